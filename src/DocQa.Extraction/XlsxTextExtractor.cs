using System.Globalization;
using DocQa.Core.Extraction;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace DocQa.Extraction;

/// <summary>
/// Excel workbooks through the Open XML SDK: each sheet is a page, headed by its name, its cells one table whose
/// first row is the header when it holds only words (so each row is read with its column names). Rows are streamed,
/// so a large sheet costs its text, not the SDK's tree of it.
/// </summary>
internal static class XlsxTextExtractor
{
    public static ExtractedDocument Extract(Stream content, CancellationToken cancellationToken)
    {
        OpenXmlGuard.Check(content, "XLSX", cancellationToken);
        using SpreadsheetDocument document = SpreadsheetDocument.Open(content, isEditable: false);
        WorkbookPart workbook = document.WorkbookPart
            ?? throw new ExtractionException("the file is not a readable XLSX: it has no workbook");
        string[] shared = workbook.SharedStringTablePart?.SharedStringTable?.Elements<SharedStringItem>().Select(i => i.InnerText).ToArray() ?? [];
        HashSet<uint> dateStyles = DateStyles(workbook.WorkbookStylesPart?.Stylesheet);

        var blocks = new BlockList();
        int page = 0;
        foreach (Sheet sheet in workbook.Workbook?.Sheets?.Elements<Sheet>() ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (sheet.Id?.Value is not { } id || workbook.GetPartById(id) is not WorksheetPart part)
                continue; // a chart sheet holds no cells
            page++;
            blocks.Add(BlockKind.Heading, sheet.Name?.Value ?? $"Sheet {page}", page, 1);
            var rows = ReadRows(part, shared, dateStyles, cancellationToken);
            blocks.Add(BlockKind.Table, Table(rows), page);
        }
        return blocks.ToDocument(Math.Max(page, 1)) with { Title = DeclaredTitle(document) };
    }

    /// <summary>
    /// A grid of cells as a table block: rows without text are dropped, and the first row heads the table when it
    /// holds only words and more rows follow.
    /// </summary>
    internal static string Table(List<IReadOnlyList<TableCellText>> rows)
    {
        rows.RemoveAll(r => r.All(c => c.Text.Length == 0));
        bool words = rows.Count > 0 && rows[0].All(c => c.Text.Length == 0 || !double.TryParse(c.Text, NumberStyles.Any, CultureInfo.InvariantCulture, out _));
        return TableWriter.Write(rows, TableWriter.HeaderRows(rows, words ? 1 : 0));
    }

    private static List<IReadOnlyList<TableCellText>> ReadRows(WorksheetPart part, string[] shared, HashSet<uint> dateStyles, CancellationToken cancellationToken)
    {
        var rows = new List<IReadOnlyList<TableCellText>>();
        using var reader = OpenXmlReader.Create(part);
        while (reader.Read())
        {
            if (reader.ElementType != typeof(Row) || !reader.IsStartElement)
                continue;
            cancellationToken.ThrowIfCancellationRequested();
            var row = (Row)reader.LoadCurrentElement()!;
            var cells = new List<TableCellText>();
            foreach (Cell cell in row.Elements<Cell>())
            {
                // Cells name their column ("C7"); skipped columns are empty cells. TableWriter cuts wide tables.
                int column = ColumnOf(cell.CellReference?.Value) ?? cells.Count;
                if (column >= TableWriter.MaxColumns)
                    break;
                while (cells.Count < column)
                    cells.Add(new TableCellText(""));
                cells.Add(new TableCellText(TextHelpers.CollapseWhitespace(CellText(cell, shared, dateStyles))));
            }
            rows.Add(cells);
        }
        return rows;
    }

    private static string CellText(Cell cell, string[] shared, HashSet<uint> dateStyles)
    {
        string value = cell.CellValue?.Text ?? "";
        var type = cell.DataType?.Value;
        if (type == CellValues.SharedString)
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) && i >= 0 && i < shared.Length ? shared[i] : "";
        if (type == CellValues.InlineString)
            return cell.InlineString?.InnerText ?? "";
        if (type == CellValues.Boolean)
            return value == "1" ? "TRUE" : "FALSE";
        if (type is null || type == CellValues.Number)
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
                return value;
            if (cell.StyleIndex?.Value is uint style && dateStyles.Contains(style) && number is > -657435 and < 2958466)
                return DateTime.FromOADate(number).ToString(number % 1 == 0 ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            // What the cell holds, without binary floating-point noise (0.1 + 0.2 is stored as 0.30000000000000004).
            return number.ToString("G15", CultureInfo.InvariantCulture);
        }
        return value; // formula strings, errors, dates written as text
    }

    /// <summary>The 0-based column of a cell reference ("AB12" is 27); null when there is none.</summary>
    private static int? ColumnOf(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
            return null;
        int column = 0, letters = 0;
        foreach (char c in reference)
        {
            if (c is >= 'A' and <= 'Z')
                column = column * 26 + (c - 'A' + 1);
            else if (c is >= 'a' and <= 'z')
                column = column * 26 + (c - 'a' + 1);
            else
                break;
            if (++letters > 3)
                return null; // Excel's last column is XFD
        }
        return letters == 0 ? null : column - 1;
    }

    /// <summary>The cell styles that show numbers as dates: Excel's built-in date formats, and custom ones with days or years.</summary>
    private static HashSet<uint> DateStyles(Stylesheet? stylesheet)
    {
        var dateFormats = new HashSet<uint> { 14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47 };
        foreach (NumberingFormat format in stylesheet?.NumberingFormats?.Elements<NumberingFormat>() ?? [])
        {
            // Quoted text and [colour] sections say nothing of the kind of value.
            string code = System.Text.RegularExpressions.Regex.Replace(format.FormatCode?.Value ?? "", "\"[^\"]*\"|\\[[^\\]]*\\]", "");
            if (format.NumberFormatId?.Value is uint id && code.IndexOfAny(['y', 'Y', 'd', 'D']) >= 0)
                dateFormats.Add(id);
        }
        var styles = new HashSet<uint>();
        uint index = 0;
        foreach (CellFormat cellFormat in stylesheet?.CellFormats?.Elements<CellFormat>() ?? [])
        {
            if (cellFormat.NumberFormatId?.Value is uint id && dateFormats.Contains(id))
                styles.Add(index);
            index++;
        }
        return styles;
    }

    private static string? DeclaredTitle(SpreadsheetDocument document)
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
