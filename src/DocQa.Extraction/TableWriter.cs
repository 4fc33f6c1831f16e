using System.Text;
using System.Text.RegularExpressions;

namespace DocQa.Extraction;

/// <summary>A cell of a table as read from HTML or DOCX: its text, how many columns and rows it spans, and whether it is a header cell.</summary>
internal readonly record struct TableCellText(string Text, int ColumnSpan = 1, int RowSpan = 1, bool Header = false);

/// <summary>
/// Writes a table as the text of a table block: rows of cells between '|', header rows first and a delimiter row
/// after them ("| | 2023 | 2022 |", "| --- | --- | --- |", "| Revenue | 7,192 | 6,704 |"). Cells that span
/// columns or rows are laid on a grid; in header rows their text heads every column they span, so that a header
/// over a group of columns ("Three Months Ended") is read with each of them.
/// </summary>
internal static partial class TableWriter
{
    // Grids wider than this are cut: a hostile colspan must not make the text huge.
    public const int MaxColumns = 64;

    /// <param name="headerRows">How many rows at the top are the header; see <see cref="HeaderRows"/>.</param>
    public static string Write(IReadOnlyList<IReadOnlyList<TableCellText>> rows, int headerRows)
    {
        var grid = Grid(rows, headerRows);
        grid.RemoveAll(row => row.All(c => c.Length == 0));
        if (grid.Count == 0)
            return "";
        int columns = grid.Max(r => r.Length);
        headerRows = Math.Min(headerRows, grid.Count - 1);

        var text = new StringBuilder();
        if (headerRows > 0)
        {
            // The header rows of a column read as one header, top to bottom, each text once.
            var headers = new string[columns];
            for (int j = 0; j < columns; j++)
            {
                var parts = new List<string>();
                for (int r = 0; r < headerRows; r++)
                {
                    string cell = j < grid[r].Length ? grid[r][j] : "";
                    if (cell.Length > 0 && (parts.Count == 0 || parts[^1] != cell))
                        parts.Add(cell);
                }
                headers[j] = string.Join(' ', parts);
            }
            AppendRow(text, headers);
            AppendRow(text, Enumerable.Repeat("---", columns).ToArray());
        }
        for (int r = headerRows; r < grid.Count; r++)
        {
            var cells = new string[columns];
            for (int j = 0; j < columns; j++)
                cells[j] = j < grid[r].Length ? grid[r][j] : "";
            AppendRow(text, cells);
        }
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// How many rows at the top of a table are its header: the leading rows marked as such (all header cells,
    /// or marked by the format), else the first row when it holds only words and later rows hold figures.
    /// </summary>
    public static int HeaderRows(IReadOnlyList<IReadOnlyList<TableCellText>> rows, int markedRows = 0)
    {
        if (rows.Count < 2)
            return 0;
        int marked = Math.Max(markedRows, 0);
        while (marked < rows.Count - 1 && rows[marked].Count > 0 && rows[marked].All(c => c.Header))
            marked++;
        if (marked > 0)
            return Math.Min(marked, rows.Count - 1);
        bool firstHasWords = rows[0].Count >= 2 && rows[0].Skip(1).All(c => c.Text.Length == 0 || !IsFigure(c.Text) || Year().IsMatch(c.Text));
        bool laterHaveFigures = rows.Skip(1).Any(r => r.Skip(1).Any(c => IsFigure(c.Text) && !Year().IsMatch(c.Text)));
        return firstHasWords && laterHaveFigures ? 1 : 0;
    }

    /// <summary>The cells on a grid of rows and columns; a spanning cell fills the grid positions it covers.</summary>
    private static List<string[]> Grid(IReadOnlyList<IReadOnlyList<TableCellText>> rows, int headerRows)
    {
        var grid = new List<string[]>();
        // Columns still covered by a cell of a row above: (rows left, text).
        var carried = new Dictionary<int, (int Rows, string Text)>();
        for (int r = 0; r < rows.Count; r++)
        {
            bool header = r < headerRows;
            var line = new List<string>();
            int column = 0;
            void Carry()
            {
                while (carried.TryGetValue(column, out var above) && column < MaxColumns)
                {
                    line.Add(header ? above.Text : "");
                    if (above.Rows <= 1)
                        carried.Remove(column);
                    else
                        carried[column] = (above.Rows - 1, above.Text);
                    column++;
                }
            }
            foreach (var cell in rows[r])
            {
                Carry();
                int span = Math.Clamp(cell.ColumnSpan, 1, MaxColumns);
                for (int k = 0; k < span && column < MaxColumns; k++, column++)
                {
                    line.Add(k == 0 || header ? cell.Text : "");
                    if (cell.RowSpan > 1)
                        carried[column] = (cell.RowSpan - 1, cell.Text);
                }
            }
            Carry();
            grid.Add(line.ToArray());
        }
        return grid;
    }

    private static void AppendRow(StringBuilder text, string[] cells)
    {
        text.Append('|');
        foreach (string cell in cells)
            text.Append(cell.Length == 0 ? " |" : " " + cell.Replace('|', '/') + " |");
        text.Append('\n');
    }

    private static bool IsFigure(string text) => Figure().IsMatch(text.Trim());

    [GeneratedRegex(@"^[$€£¥]?\s?\(?[-+−]?[$€£¥]?\s?\d[\d,]*(?:\.\d+)?\)?\s?%?$")]
    private static partial Regex Figure();

    [GeneratedRegex(@"^(19|20)\d\d$")]
    private static partial Regex Year();
}
