using System.Text;
using DocQa.Core.Extraction;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace DocQa.Extraction;

/// <summary>
/// Word documents through the Open XML SDK: body paragraphs and tables in order, then headers, footers, footnotes
/// and endnotes (each text once). A DOCX has no fixed pages,
/// so pages are counted from the breaks the file records: explicit page breaks, section breaks that start a
/// new page, and the breaks Word wrote where it last laid out a page (w:lastRenderedPageBreak).
/// </summary>
internal static class DocxTextExtractor
{
    public static ExtractedDocument Extract(Stream content, CancellationToken cancellationToken)
    {
        OpenXmlGuard.Check(content, "DOCX", cancellationToken);
        using WordprocessingDocument document = WordprocessingDocument.Open(content, isEditable: false);
        if (document.MainDocumentPart is not { Document.Body: { } body } main)
            throw new ExtractionException("the file is not a readable DOCX: it has no document body");

        var headings = new HeadingStyles(main.StyleDefinitionsPart?.Styles);
        var reader = new BodyReader(headings, cancellationToken);
        reader.Read(body);
        int pages = reader.Page;

        // Headers lead the first page and footers, footnotes and endnotes close the last, each text once: they repeat
        // on every page, but what they say (a company, a confidentiality notice, a source) belongs to the document.
        var blocks = new BlockList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void AddOnce(IEnumerable<OpenXmlElement> parts, int page, string prefix = "")
        {
            int n = 0;
            foreach (OpenXmlElement part in parts)
            {
                var partReader = new BodyReader(headings, cancellationToken);
                partReader.Read(part);
                string text = string.Join('\n', partReader.Blocks.Select(b => b.Text));
                n++;
                if (text.Length > 0 && seen.Add(text))
                    blocks.Add(BlockKind.Paragraph, prefix.Length > 0 ? $"{prefix} {n}: {text}" : text, page);
            }
        }
        AddOnce(main.HeaderParts.Select(h => (OpenXmlElement?)h.Header).OfType<OpenXmlElement>(), 1);
        blocks.AddRange(reader.Blocks);
        AddOnce(Notes(main.FootnotesPart?.Footnotes?.Elements<Footnote>()), pages, "Footnote");
        AddOnce(Notes(main.EndnotesPart?.Endnotes?.Elements<Endnote>()), pages, "Endnote");
        AddOnce(main.FooterParts.Select(f => (OpenXmlElement?)f.Footer).OfType<OpenXmlElement>(), pages);
        return blocks.ToDocument(pages) with { Title = DeclaredTitle(document) };
    }

    /// <summary>The notes themselves, without the separator lines Word keeps among them.</summary>
    private static IEnumerable<OpenXmlElement> Notes(IEnumerable<FootnoteEndnoteType>? notes) =>
        (notes ?? []).Where(note => note.Type is null || note.Type.Value == FootnoteEndnoteValues.Normal);

    /// <summary>The title in the core properties; broken properties cost only the title.</summary>
    private static string? DeclaredTitle(WordprocessingDocument document)
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

    private sealed class BodyReader(HeadingStyles headings, CancellationToken cancellationToken)
    {
        public BlockList Blocks { get; } = new();

        /// <summary>The current page, 1-based; at the end, the number of pages.</summary>
        public int Page { get; private set; } = 1;

        // Word records a page break twice when it has laid the document out: the w:br itself, then a
        // w:lastRenderedPageBreak where the next page's text starts. A break counts once until text follows;
        // the start of the document counts as one.
        private bool _breakPending = true;
        private int? _textPage;

        public void Read(OpenXmlElement container)
        {
            foreach (OpenXmlElement element in BlockContent(container))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (element is Paragraph paragraph)
                    AddParagraph(paragraph);
                else if (element is Table table)
                    AddTable(table);
            }
        }

        private void AddParagraph(Paragraph paragraph)
        {
            string text = ParagraphText(paragraph, out int page);
            int level = headings.LevelOf(paragraph.ParagraphProperties);
            if (level > 0)
                Blocks.Add(BlockKind.Heading, TextHelpers.CollapseWhitespace(text), page, level);
            else
                Blocks.Add(BlockKind.Paragraph, CollapseLines(text), page);
        }

        private void AddTable(Table table)
        {
            int startPage = Page;
            // The header: rows marked to repeat at the top of each page (w:tblHeader), else TableWriter.HeaderRows.
            var rows = new List<IReadOnlyList<TableCellText>>();
            int marked = 0;
            foreach (TableRow row in Items<TableRow>(table))
            {
                if (rows.Count == marked && row.TableRowProperties?.GetFirstChild<TableHeader>() is { } header
                    && (header.Val?.Value ?? OnOffOnlyValues.On) == OnOffOnlyValues.On)
                {
                    marked++;
                }
                rows.Add(Items<TableCell>(row).Select(CellOf).ToList());
            }
            Blocks.Add(BlockKind.Table, TableWriter.Write(rows, TableWriter.HeaderRows(rows, marked)), startPage);
        }

        /// <summary>A cell with the columns it spans; a cell merged into the one above (w:vMerge) is read as empty.</summary>
        private TableCellText CellOf(TableCell cell)
        {
            var properties = cell.TableCellProperties;
            int span = properties?.GridSpan?.Val?.Value ?? 1;
            bool continued = properties?.VerticalMerge is { } merge && (merge.Val is null || merge.Val.Value == MergedCellValues.Continue);
            return new TableCellText(continued ? "" : CellText(cell), span);
        }

        /// <summary>A cell's paragraphs and nested tables as one line.</summary>
        private string CellText(TableCell cell)
        {
            var parts = new List<string>();
            foreach (OpenXmlElement element in BlockContent(cell))
            {
                if (element is Paragraph paragraph)
                    parts.Add(ParagraphText(paragraph, out _));
                else if (element is Table nested)
                    parts.AddRange(Items<TableRow>(nested).SelectMany(Items<TableCell>).Select(CellText));
            }
            return TextHelpers.CollapseWhitespace(string.Join(' ', parts));
        }

        /// <summary>The paragraph's text, and the page where its text starts.</summary>
        private string ParagraphText(Paragraph paragraph, out int page)
        {
            if (paragraph.ParagraphProperties?.PageBreakBefore is { } before && (before.Val?.Value ?? true))
                PageBreak();

            _textPage = null;
            var text = new StringBuilder();
            AppendRuns(paragraph, text);
            page = _textPage ?? Page;

            // A section break that starts a new page ends this paragraph's page.
            if (paragraph.ParagraphProperties?.SectionProperties is { } section && StartsNewPage(section))
                PageBreak();
            return text.ToString();
        }

        private void AppendRuns(OpenXmlElement element, StringBuilder text)
        {
            foreach (OpenXmlElement child in element.ChildElements)
            {
                switch (child)
                {
                    case Text t:
                        if (t.Text.Length > 0)
                        {
                            _textPage ??= Page;
                            _breakPending = false;
                            text.Append(t.Text);
                        }
                        break;
                    case TabChar or PositionalTab:
                        text.Append(' ');
                        break;
                    case NoBreakHyphen:
                        text.Append('-');
                        break;
                    case Break br when br.Type?.Value == BreakValues.Page:
                        PageBreak();
                        break;
                    case Break br when br.Type?.Value == BreakValues.Column:
                        text.Append(' ');
                        break;
                    case Break or CarriageReturn:
                        text.Append('\n');
                        break;
                    case LastRenderedPageBreak:
                        if (!_breakPending)
                            Page++;
                        _breakPending = true;
                        break;
                    case Paragraph nested: // inside a text box
                        text.Append('\n');
                        AppendRuns(nested, text);
                        break;
                    // Deleted revisions, field instructions and the fallback copy of alternate content
                    // are not visible text; properties hold none.
                    case DeletedRun or FieldCode or AlternateContentFallback or ParagraphProperties or RunProperties:
                        break;
                    default:
                        AppendRuns(child, text);
                        break;
                }
            }
        }

        private void PageBreak()
        {
            Page++;
            _breakPending = true;
        }

        private static bool StartsNewPage(SectionProperties section)
        {
            var type = section.GetFirstChild<SectionType>()?.Val?.Value;
            return type is null || (type != SectionMarkValues.Continuous && type != SectionMarkValues.NextColumn);
        }

        private static string CollapseLines(string text) =>
            string.Join('\n', text.Split('\n').Select(TextHelpers.CollapseWhitespace).Where(l => l.Length > 0));
    }

    /// <summary>Paragraphs and tables of a body or cell, looking through content controls and custom XML.</summary>
    private static IEnumerable<OpenXmlElement> BlockContent(OpenXmlElement container)
    {
        foreach (OpenXmlElement child in container.ChildElements)
        {
            if (child is Paragraph or Table)
                yield return child;
            else if (IsWrapper(child))
            {
                foreach (OpenXmlElement inner in BlockContent(child))
                    yield return inner;
            }
        }
    }

    /// <summary>Rows of a table or cells of a row, looking through content controls and custom XML.</summary>
    private static IEnumerable<T> Items<T>(OpenXmlElement parent) where T : OpenXmlElement
    {
        foreach (OpenXmlElement child in parent.ChildElements)
        {
            if (child is T item)
                yield return item;
            else if (IsWrapper(child))
            {
                foreach (T inner in Items<T>(child))
                    yield return inner;
            }
        }
    }

    private static bool IsWrapper(OpenXmlElement element) =>
        element is SdtElement or SdtContentBlock or SdtContentRow or SdtContentCell or CustomXmlElement;

    /// <summary>Heading levels of paragraph styles: Title and Heading 1-9 by id or name, or an outline level.</summary>
    private sealed class HeadingStyles(Styles? styles)
    {
        private readonly Dictionary<string, int> _levels = new(StringComparer.OrdinalIgnoreCase);

        public int LevelOf(ParagraphProperties? properties)
        {
            if (properties is null)
                return 0;
            if (OutlineLevel(properties.OutlineLevel) is int direct)
                return direct;
            string? styleId = properties.ParagraphStyleId?.Val?.Value;
            if (styleId is null)
                return 0;
            if (!_levels.TryGetValue(styleId, out int level))
                _levels[styleId] = level = StyleLevel(styleId);
            return level;
        }

        private int StyleLevel(string styleId)
        {
            // Follow basedOn, so that a custom style derived from Heading 2 is a level 2 heading.
            string? id = styleId;
            for (int depth = 0; id is not null && depth < 10; depth++)
            {
                Style? style = styles?.Elements<Style>().FirstOrDefault(s => string.Equals(s.StyleId?.Value, id, StringComparison.OrdinalIgnoreCase));
                int level = NameLevel(id);
                if (level == 0 && style is not null)
                    level = NameLevel(style.StyleName?.Val?.Value) is > 0 and var byName ? byName : OutlineLevel(style.StyleParagraphProperties?.OutlineLevel) ?? 0;
                if (level > 0)
                    return level;
                id = style?.BasedOn?.Val?.Value;
            }
            return 0;
        }

        // Word writes built-in style names in English ("heading 1") even when the id is localized.
        private static int NameLevel(string? name)
        {
            if (name is null)
                return 0;
            string compact = name.Replace(" ", "").ToLowerInvariant();
            if (compact == "title")
                return 1;
            if (compact.Length == 8 && compact.StartsWith("heading", StringComparison.Ordinal) && compact[7] is >= '1' and <= '9')
                return compact[7] - '0';
            return 0;
        }

        // Outline levels are 0-based; 9 means body text.
        private static int? OutlineLevel(OutlineLevel? outline) =>
            outline?.Val?.Value is int value && value is >= 0 and < 9 ? value + 1 : null;
    }
}
