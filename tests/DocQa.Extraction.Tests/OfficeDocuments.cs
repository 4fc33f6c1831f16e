using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using A = DocumentFormat.OpenXml.Drawing;
using P = DocumentFormat.OpenXml.Presentation;

namespace DocQa.Extraction.Tests;

/// <summary>One slide: its title, its text lines, an optional table (first row the header) and speaker notes.</summary>
public sealed record SlideText(string Title, string[] Lines, string[][]? Table = null, string? Notes = null);

/// <summary>Workbooks and decks written with the Open XML SDK, as Excel and PowerPoint store them.</summary>
internal static class OfficeDocuments
{
    /// <summary>A workbook with one sheet per entry; cells that read as numbers are stored as numbers, text in the shared string table.</summary>
    public static byte[] Xlsx(params (string Name, string[][] Rows)[] sheets)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            WorkbookPart workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var sheetList = workbook.Workbook.AppendChild(new Sheets());
            var strings = new SharedStringTable();
            var stringIndex = new Dictionary<string, int>();
            uint sheetId = 1;
            foreach (var (name, rows) in sheets)
            {
                var data = new SheetData();
                for (int r = 0; r < rows.Length; r++)
                {
                    var row = new Row { RowIndex = (uint)(r + 1) };
                    for (int c = 0; c < rows[r].Length; c++)
                    {
                        string value = rows[r][c];
                        if (value.Length == 0)
                            continue; // Excel writes no cell for an empty one
                        var cell = new Cell { CellReference = $"{(char)('A' + c)}{r + 1}" };
                        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                        {
                            cell.CellValue = new CellValue(value);
                        }
                        else
                        {
                            if (!stringIndex.TryGetValue(value, out int index))
                            {
                                stringIndex[value] = index = stringIndex.Count;
                                strings.AppendChild(new SharedStringItem(new Text(value)));
                            }
                            cell.DataType = CellValues.SharedString;
                            cell.CellValue = new CellValue(index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        }
                        row.AppendChild(cell);
                    }
                    data.AppendChild(row);
                }
                WorksheetPart worksheet = workbook.AddNewPart<WorksheetPart>();
                worksheet.Worksheet = new Worksheet(data);
                sheetList.AppendChild(new Sheet { Id = workbook.GetIdOfPart(worksheet), SheetId = sheetId++, Name = name });
            }
            workbook.AddNewPart<SharedStringTablePart>().SharedStringTable = strings;
        }
        return stream.ToArray();
    }

    /// <summary>A deck with one slide per entry: a title placeholder, a text box, a table, and a notes page when given.</summary>
    public static byte[] Pptx(params SlideText[] slides)
    {
        using var stream = new MemoryStream();
        using (var document = PresentationDocument.Create(stream, PresentationDocumentType.Presentation))
        {
            PresentationPart presentation = document.AddPresentationPart();
            presentation.Presentation = new P.Presentation();
            var ids = new P.SlideIdList();
            uint slideId = 256;
            foreach (var slide in slides)
            {
                SlidePart part = presentation.AddNewPart<SlidePart>();
                var tree = ShapeTree();
                tree.AppendChild(Shape(2, "Title", P.PlaceholderValues.Title, slide.Title));
                tree.AppendChild(Shape(3, "Text", null, slide.Lines));
                if (slide.Table is { } table)
                    tree.AppendChild(TableFrame(4, table));
                part.Slide = new P.Slide(new P.CommonSlideData(tree));
                if (slide.Notes is { } notes)
                {
                    var notesTree = ShapeTree();
                    notesTree.AppendChild(Shape(2, "Slide Image", P.PlaceholderValues.SlideImage));
                    notesTree.AppendChild(Shape(3, "Notes", P.PlaceholderValues.Body, notes));
                    part.AddNewPart<NotesSlidePart>().NotesSlide = new P.NotesSlide(new P.CommonSlideData(notesTree));
                }
                ids.AppendChild(new P.SlideId { Id = slideId++, RelationshipId = presentation.GetIdOfPart(part) });
            }
            presentation.Presentation.AppendChild(ids);
        }
        return stream.ToArray();
    }

    private static P.ShapeTree ShapeTree() => new(
        new P.NonVisualGroupShapeProperties(
            new P.NonVisualDrawingProperties { Id = 1, Name = "" },
            new P.NonVisualGroupShapeDrawingProperties(),
            new P.ApplicationNonVisualDrawingProperties()),
        new P.GroupShapeProperties());

    private static P.Shape Shape(uint id, string name, P.PlaceholderValues? placeholder, params string[] lines)
    {
        var application = new P.ApplicationNonVisualDrawingProperties();
        if (placeholder is { } type)
            application.AppendChild(new P.PlaceholderShape { Type = type });
        var body = new P.TextBody(new A.BodyProperties(), new A.ListStyle());
        foreach (string line in lines)
            body.AppendChild(new A.Paragraph(new A.Run(new A.Text(line))));
        return new P.Shape(
            new P.NonVisualShapeProperties(new P.NonVisualDrawingProperties { Id = id, Name = name }, new P.NonVisualShapeDrawingProperties(), application),
            new P.ShapeProperties(),
            body);
    }

    private static P.GraphicFrame TableFrame(uint id, string[][] rows)
    {
        var table = new A.Table(new A.TableProperties { FirstRow = true }, new A.TableGrid(rows[0].Select(_ => new A.GridColumn { Width = 1_000_000 })));
        foreach (var row in rows)
        {
            table.AppendChild(new A.TableRow(row.Select(text => new A.TableCell(
                new A.TextBody(new A.BodyProperties(), new A.ListStyle(), new A.Paragraph(new A.Run(new A.Text(text)))),
                new A.TableCellProperties()))) { Height = 370_840 });
        }
        return new P.GraphicFrame(
            new P.NonVisualGraphicFrameProperties(new P.NonVisualDrawingProperties { Id = id, Name = "Table" }, new P.NonVisualGraphicFrameDrawingProperties(), new P.ApplicationNonVisualDrawingProperties()),
            new P.Transform(new A.Offset { X = 0, Y = 0 }, new A.Extents { Cx = 0, Cy = 0 }),
            new A.Graphic(new A.GraphicData(table) { Uri = "http://schemas.openxmlformats.org/drawingml/2006/table" }));
    }
}
