using DocQa.Core.Extraction;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using A = DocumentFormat.OpenXml.Drawing;
using P = DocumentFormat.OpenXml.Presentation;

namespace DocQa.Extraction;

/// <summary>
/// PowerPoint decks through the Open XML SDK: each slide is a page, its title a heading, its text boxes paragraphs
/// and its tables tables, in the order of the slide's shapes; the speaker notes follow as a paragraph of the same page.
/// </summary>
internal static class PptxTextExtractor
{
    public static ExtractedDocument Extract(Stream content, CancellationToken cancellationToken)
    {
        OpenXmlGuard.Check(content, "PPTX", cancellationToken);
        using PresentationDocument document = PresentationDocument.Open(content, isEditable: false);
        PresentationPart presentation = document.PresentationPart
            ?? throw new ExtractionException("the file is not a readable PPTX: it has no presentation");

        var blocks = new BlockList();
        int page = 0;
        foreach (P.SlideId slideId in presentation.Presentation?.SlideIdList?.Elements<P.SlideId>() ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (slideId.RelationshipId?.Value is not { } id || presentation.GetPartById(id) is not SlidePart slide)
                continue;
            page++;
            if (slide.Slide is { } content1)
                AddShapes(blocks, content1, page);
            if (slide.NotesSlidePart?.NotesSlide is { } notes)
            {
                // The notes page repeats the slide's image and number; its body placeholder holds the notes.
                string text = string.Join('\n', notes.Descendants<P.Shape>()
                    .Where(s => PlaceholderType(s) == P.PlaceholderValues.Body)
                    .SelectMany(Paragraphs));
                blocks.Add(BlockKind.Paragraph, text.Length > 0 ? "Notes: " + text : "", page);
            }
        }
        return blocks.ToDocument(Math.Max(page, 1)) with { Title = DeclaredTitle(document) };
    }

    private static void AddShapes(BlockList blocks, P.Slide slide, int page)
    {
        foreach (OpenXmlElement element in slide.Descendants())
        {
            if (element is P.Shape shape)
            {
                var type = PlaceholderType(shape);
                string text = string.Join('\n', Paragraphs(shape));
                if (type == P.PlaceholderValues.Title || type == P.PlaceholderValues.CenteredTitle)
                    blocks.Add(BlockKind.Heading, TextHelpers.CollapseWhitespace(text), page, 1);
                else if (type != P.PlaceholderValues.SlideNumber && type != P.PlaceholderValues.DateAndTime && type != P.PlaceholderValues.Footer)
                    blocks.Add(BlockKind.Paragraph, text, page);
            }
            else if (element is A.Table table)
            {
                AddTable(blocks, table, page);
            }
        }
    }

    private static void AddTable(BlockList blocks, A.Table table, int page)
    {
        var rows = new List<IReadOnlyList<TableCellText>>();
        foreach (A.TableRow row in table.Elements<A.TableRow>())
        {
            var cells = new List<TableCellText>();
            foreach (A.TableCell cell in row.Elements<A.TableCell>())
            {
                // A cell merged into its neighbour (hMerge, vMerge) is part of the spanning cell before it.
                if (cell.HorizontalMerge?.Value == true)
                    continue;
                string text = cell.VerticalMerge?.Value == true ? "" : TextHelpers.CollapseWhitespace(string.Join(' ', cell.TextBody?.Elements<A.Paragraph>().Select(ParagraphText) ?? []));
                cells.Add(new TableCellText(text, cell.GridSpan?.Value ?? 1));
            }
            rows.Add(cells);
        }
        bool firstRowHeader = table.TableProperties?.FirstRow?.Value == true;
        blocks.Add(BlockKind.Table, TableWriter.Write(rows, TableWriter.HeaderRows(rows, firstRowHeader ? 1 : 0)), page);
    }

    private static P.PlaceholderValues? PlaceholderType(P.Shape shape)
    {
        var placeholder = shape.NonVisualShapeProperties?.ApplicationNonVisualDrawingProperties?.PlaceholderShape;
        if (placeholder is null)
            return null;
        return placeholder.Type?.Value ?? P.PlaceholderValues.Body; // a placeholder without a type is a body
    }

    private static IEnumerable<string> Paragraphs(P.Shape shape) =>
        (shape.TextBody?.Elements<A.Paragraph>() ?? []).Select(ParagraphText).Select(TextHelpers.CollapseWhitespace).Where(t => t.Length > 0);

    private static string ParagraphText(A.Paragraph paragraph) =>
        string.Concat(paragraph.Elements().Select(e => e switch
        {
            A.Run run => run.Text?.Text ?? "",
            A.Field field => field.Text?.Text ?? "",
            A.Break => " ",
            _ => "",
        }));

    private static string? DeclaredTitle(PresentationDocument document)
    {
        try
        {
            return document.PackageProperties.Title;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }
}
