using System.Text;
using System.Text.RegularExpressions;

namespace DocQa.Extraction;

/// <summary>A table found among a page's lines: lines First to Last (inclusive) and its text as a table block.</summary>
internal sealed record PdfTable(int First, int Last, string Text);

/// <summary>
/// Finds tables of figures among the lines of a page and reads them with their column headers.
/// <para>
/// A line is cut into cells where the gap between two words is wider than a font size. A row holds figures in
/// cells right of its label; a run of such rows (with section lines such as "Net sales:" between them) is a table.
/// Its columns are the bands where the rows' figures overlap across the run. The lines just above the first row
/// whose cells all stand over the columns, not over the labels, are its header rows: a cell over one column
/// heads that column ("July 1," then "2023"); a line whose cells stand over several columns ("Three Months Ended",
/// "Nine Months Ended") heads the columns nearest to each. A column's header rows are joined top to bottom
/// ("Three Months Ended July 1, 2023"). Units stated just above the table ("(In millions)") become the header of
/// the label column.
/// </para>
/// <para>
/// The table is written as rows of cells between '|', the header first and a delimiter row after it:
/// "| (In millions) | Three Months Ended July 1, 2023 | … |", "|---|---|…", "| Total net sales | $81,797 | … |".
/// Each step is linear in the words of the page, after sorting the cells of a table by position.
/// </para>
/// </summary>
internal static partial class PdfTableBuilder
{
    // A gap between words wider than this many font sizes separates cells.
    private const double CellGap = 1.0;

    // Rows of a table may stand this many font sizes apart (a blank line between groups of rows).
    private const double RowGap = 3.6;

    // A table needs at least this many rows of figures.
    private const int MinRows = 2;

    // A cell of a row of figures longer than this is prose (a footnote), not a value.
    private const int MaxValueLength = 30;

    // More columns than this are no table a reader could follow (and would cost more than linear time to place).
    private const int MaxColumns = 64;

    // At most this many header lines are read above a table.
    private const int MaxHeaderLines = 4;

    /// <param name="Start">Where the cell starts; for a figure after a currency sign, where the figure starts.</param>
    /// <param name="Left">Where the cell's first word starts, its currency sign included.</param>
    private readonly record struct Cell(string Text, double Start, double End, double Left)
    {
        public double Center => (Start + End) / 2;
    }

    private sealed record Row(PdfLine Line, List<Cell> Cells, bool HasFigures, string? Label, List<Cell> Values);

    public static List<PdfTable> Find(List<PdfLine> lines)
    {
        var tables = new List<PdfTable>();
        var rows = lines.Select(Read).ToList();
        int i = 0;
        while (i < lines.Count)
        {
            if (!rows[i].HasFigures)
            {
                i++;
                continue;
            }

            // The run of rows of figures, with section lines between them.
            int first = i, last = i, figures = 1;
            double labelLeft = rows[i].Cells[0].Start;
            double valuesLeft = rows[i].Values[0].Start;
            for (int j = i + 1; j < lines.Count; j++)
            {
                if (Gap(lines[j - 1], lines[j]) > RowGap)
                    break;
                if (rows[j].HasFigures)
                {
                    last = j;
                    figures++;
                    labelLeft = Math.Min(labelLeft, rows[j].Cells[0].Start);
                    valuesLeft = Math.Min(valuesLeft, rows[j].Values[0].Start);
                    continue;
                }
                if (!IsSectionLine(rows[j], labelLeft, valuesLeft))
                    break;
            }
            if (figures < MinRows)
            {
                i = last + 1;
                continue;
            }

            var bands = Bands(rows, first, last);
            if (bands.Count == 0 || bands.Count > MaxColumns)
            {
                i = last + 1;
                continue;
            }

            // Section lines just above the first row ("Net sales by reportable segment:", "Assets") belong to the table.
            for (int taken = 0; taken < 2 && first > 0 && first - 1 >= (tables.Count > 0 ? tables[^1].Last + 1 : 0)
                && IsSectionLine(rows[first - 1], labelLeft, valuesLeft)
                && (rows[first - 1].Line.Text.TrimEnd().EndsWith(':') || rows[first - 1].Line.Text.Split(' ').Length <= 3)
                && Gap(lines[first - 1], lines[first]) <= RowGap; taken++)
            {
                first--;
            }

            // Header lines above: every cell over the columns, none a figure other than a year or a day.
            int headerTop = first;
            int floor = tables.Count > 0 ? tables[^1].Last + 1 : 0;
            while (headerTop > floor && first - headerTop < MaxHeaderLines
                && Gap(lines[headerTop - 1], lines[headerTop]) <= RowGap
                && IsHeaderLine(rows[headerTop - 1], bands, labelLeft, lines[headerTop - 1].FontSize))
            {
                headerTop--;
            }

            string? units = Units(lines, headerTop, floor);
            tables.Add(new PdfTable(headerTop, last, Write(rows, headerTop, first, last, bands, labelLeft, units)));
            i = last + 1;
        }
        return tables;
    }

    private static double Gap(PdfLine above, PdfLine below) =>
        (above.Baseline - below.Baseline) / Math.Max(1, Math.Max(above.FontSize, below.FontSize));

    /// <summary>Cuts a line into cells; a currency sign joins the figure after it, a lone '%' or ')' the one before.</summary>
    private static Row Read(PdfLine line)
    {
        var cells = new List<Cell>();
        double gap = CellGap * line.FontSize;
        var text = new StringBuilder();
        double start = 0, end = 0;
        string previous = "";
        foreach (PdfWord word in line.Words)
        {
            // Cells part at a wide gap, before a currency sign, and between two figures set apart.
            bool split = word.Start - end > gap
                || Currency().IsMatch(word.Text)
                || (IsFigure(previous) && IsFigure(word.Text) && word.Start - end > 0.5 * line.FontSize);
            previous = word.Text;
            if (text.Length > 0 && split)
            {
                cells.Add(new Cell(text.ToString(), start, end, start));
                text.Clear();
            }
            if (text.Length == 0)
                start = word.Start;
            else
                text.Append(' ');
            text.Append(word.Text);
            end = word.End;
        }
        if (text.Length > 0)
            cells.Add(new Cell(text.ToString(), start, end, start));

        cells = JoinSigns(cells);

        // A row of figures: figures right of an optional label, and at most one other cell among them.
        string? label = cells.Count > 0 && !IsFigure(cells[0].Text) ? cells[0].Text : null;
        var values = cells.Skip(label is null ? 0 : 1).ToList();
        int figures = values.Count(v => IsFigure(v.Text));
        // Years alone are column headers ("2023 2022", or "Three Months Ended September 30, 2023 2022").
        bool yearsOnly = values.Count > 0 && values.All(v => Year().IsMatch(v.Text)) && (label is null || values.Count >= 2);
        bool hasFigures = cells.Count >= 2 && figures >= 1 && values.Count - figures <= 1 && !yearsOnly
            && values.All(v => v.Text.Length <= MaxValueLength)
            && (label is null || values.Count == 0 || values[0].Start > cells[0].End);
        return new Row(line, cells, hasFigures, label, values);
    }

    /// <summary>
    /// A currency sign set apart joins the figure after it ("$ 81,797", placed where the figure is; a "$" over a
    /// column of dollar changes stays a header of its own); a lone '%', ')' or "pts" joins the figure before it
    /// ("5 %"; a "%" beside a header's "$" stays apart). One pass, so that a line of many signs costs no more than
    /// its length.
    /// </summary>
    private static List<Cell> JoinSigns(List<Cell> cells)
    {
        var joined = new List<Cell>(cells.Count);
        for (int c = 0; c < cells.Count; c++)
        {
            Cell cell = cells[c];
            if (Currency().IsMatch(cell.Text) && c + 1 < cells.Count && IsFigure(cells[c + 1].Text))
            {
                Cell figure = cells[++c];
                cell = new Cell(cell.Text + " " + figure.Text, figure.Start, figure.End, cell.Left);
            }
            else if (cell.Text is "%" or ")" or "pts" or "bps" && joined.Count > 0 && joined[^1].Text[^1] is (>= '0' and <= '9') or ')')
            {
                Cell before = joined[^1];
                joined[^1] = new Cell(before.Text + cell.Text, before.Start, cell.End, before.Left);
                continue;
            }
            joined.Add(cell);
        }
        return joined;
    }

    /// <summary>A line of one cell within the labels' column: a section ("Net sales:") or a label that wraps.</summary>
    private static bool IsSectionLine(Row row, double labelLeft, double valuesLeft) =>
        row.Cells.Count == 1 && row.Cells[0].Text.Length <= 100 && !IsFigure(row.Cells[0].Text)
        && row.Cells[0].Start >= labelLeft - 3 * row.Line.FontSize && row.Cells[0].End < valuesLeft;

    /// <summary>The columns: where the figures of the rows overlap, left to right.</summary>
    private static List<(double Start, double End)> Bands(List<Row> rows, int first, int last)
    {
        var spans = new List<(double Start, double End)>();
        for (int r = first; r <= last; r++)
        {
            // A cell much wider than a figure would join columns; it is placed later, not measured.
            if (rows[r].HasFigures)
                spans.AddRange(rows[r].Values.Where(v => v.End - v.Start <= 12 * rows[r].Line.FontSize).Select(v => (v.Start, v.End)));
        }
        spans.Sort((a, b) => a.Start.CompareTo(b.Start));
        var bands = new List<(double Start, double End)>();
        foreach (var span in spans)
        {
            if (bands.Count > 0 && span.Start <= bands[^1].End)
                bands[^1] = (bands[^1].Start, Math.Max(bands[^1].End, span.End));
            else
                bands.Add(span);
        }

        // Measured by their figures, the columns then take in the currency signs set apart before them.
        for (int r = first; r <= last; r++)
        {
            if (!rows[r].HasFigures)
                continue;
            foreach (var value in rows[r].Values.Where(v => v.Left < v.Start))
            {
                int b = bands.FindIndex(band => value.Start <= band.End && value.End >= band.Start);
                if (b >= 0 && value.Left < bands[b].Start && (b == 0 || value.Left > bands[b - 1].End))
                    bands[b] = (value.Left, bands[b].End);
            }
        }
        return bands;
    }

    /// <summary>A header line's first cell heads the labels when it stands at their left edge ("(In millions)", "Category").</summary>
    private static bool IsStub(Cell cell, List<(double Start, double End)> bands, double labelLeft, double fontSize) =>
        cell.Start <= labelLeft + 3 * fontSize && cell.End < bands[0].Start;

    private static bool IsHeaderLine(Row row, List<(double Start, double End)> bands, double labelLeft, double fontSize)
    {
        if (row.Cells.Count == 0)
            return false;
        var cells = IsStub(row.Cells[0], bands, labelLeft, fontSize) ? row.Cells.Skip(1).ToList() : row.Cells;
        if (cells.Count == 0 || (cells.Count < row.Cells.Count && row.Cells[0].Text.Length > 60))
            return false;
        foreach (var cell in cells)
        {
            if (cell.Start < bands[0].Start - 4 * fontSize || cell.Text.Length > 60)
                return false;
            if (IsFigure(cell.Text) && !Year().IsMatch(cell.Text) && !Day().IsMatch(cell.Text))
                return false;
        }
        return true;
    }

    /// <summary>"(In millions, except per share amounts)" from the lines just above the table; null when none says.</summary>
    private static string? Units(List<PdfLine> lines, int headerTop, int floor)
    {
        // A caption may wrap between "(in" and "millions)". The header says only the units, briefly: the caption
        // itself stays above the table.
        int from = Math.Max(floor, headerTop - 3);
        string above = string.Join(' ', lines.Skip(from).Take(headerTop - from).Select(l => l.Text));
        // The first units named are the table's ("(In millions, except … shares … in thousands …)").
        var match = UnitsPhrase().Match(above);
        return match.Success ? "(In " + match.Groups[1].Value.ToLowerInvariant() + ")" : null;
    }

    private static string Write(List<Row> rows, int headerTop, int first, int last, List<(double Start, double End)> bands, double labelLeft, string? units)
    {
        int columns = bands.Count + 1;
        var headers = Enumerable.Range(0, columns).Select(_ => new List<string>()).ToArray();
        for (int r = headerTop; r < first; r++)
        {
            var cells = rows[r].Cells;
            if (cells.Count > 0 && IsStub(cells[0], bands, labelLeft, rows[r].Line.FontSize))
            {
                headers[0].Add(cells[0].Text);
                cells = cells.Skip(1).ToList();
            }
            // A cell over one column heads that column. A cell over several columns, or between them, heads a
            // group: the columns nearest to it that no cell of its line stands over ("Three Months Ended" over
            // "April 30, 2023" and "May 1, 2022", not over the "$ Change" beside them that has its own cell).
            // An upper line of few cells heads groups too ("Three Months Ended" centred over the middle one of
            // three columns; "2022" and "2023" over three columns each), unless it is one cell of words, not a
            // period, standing on a wider one below it: the top of one column's tall header ("Expected" over
            // "Remaining Term"); a date ("June 30, 2023" over "Operating Leases | Finance Leases | Total") heads a group.
            bool fewUpper = r < first - 1 && cells.Count > 0 && cells.Count * 2 <= bands.Count;
            var over = new Cell?[bands.Count];
            var spanning = new List<Cell>();
            foreach (var cell in cells)
            {
                var overlapped = Enumerable.Range(0, bands.Count).Where(b => Overlap(cell, bands[b]) > 0).ToList();
                bool single = overlapped.Count == 1 && over[overlapped[0]] is null
                    && (!fewUpper || cells.Count == 1 && !NamesPeriod(cell.Text)
                        && rows[r + 1].Cells.Any(below => below.Start <= cell.Start && below.End >= cell.End));
                if (single)
                    over[overlapped[0]] = cell;
                else
                    spanning.Add(cell);
            }
            for (int b = 0; b < bands.Count; b++)
            {
                var band = bands[b];
                Cell? head = over[b] ?? (spanning.Count > 0 ? spanning.MinBy(c => Distance(c, band)) : null);
                if (head is { } h && (headers[b + 1].Count == 0 || headers[b + 1][^1] != h.Text))
                    headers[b + 1].Add(h.Text);
            }
        }
        if (headers[0].Count == 0 && units is not null)
            headers[0].Add(units);

        var text = new StringBuilder();
        bool hasHeader = headers.Skip(1).Any(h => h.Count > 0);
        if (hasHeader)
        {
            AppendRow(text, headers.Select(h => string.Join(' ', h)).ToList());
            AppendRow(text, Enumerable.Repeat("---", columns).ToList());
        }

        string pendingLabel = "";
        for (int r = first; r <= last; r++)
        {
            var row = rows[r];
            if (!row.HasFigures)
            {
                string line = row.Line.Text.Trim();
                // A label that wraps onto the row below ("Selling, general and" over "administrative 5,973 …").
                if (!line.EndsWith(':') && r + 1 <= last && rows[r + 1].Label is { Length: > 0 } next && char.IsLower(next[0]))
                {
                    pendingLabel = line + " ";
                    continue;
                }
                var section = new List<string> { line };
                section.AddRange(Enumerable.Repeat("", bands.Count));
                AppendRow(text, section);
                continue;
            }
            var cells = new string[columns];
            cells[0] = pendingLabel + (row.Label ?? "");
            pendingLabel = "";
            foreach (var value in row.Values)
            {
                int b = BandOf(value, bands);
                cells[b + 1] = cells[b + 1] is { Length: > 0 } earlier ? earlier + " " + value.Text : value.Text;
            }
            AppendRow(text, cells.Select(c => c ?? "").ToList());
        }
        return text.ToString().TrimEnd('\n');
    }

    private static void AppendRow(StringBuilder text, List<string> cells)
    {
        text.Append('|');
        foreach (string cell in cells)
            text.Append(cell.Length == 0 ? " |" : " " + cell.Replace('|', '/') + " |");
        text.Append('\n');
    }

    private static int BandOf(Cell cell, List<(double Start, double End)> bands)
    {
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int b = 0; b < bands.Count; b++)
        {
            double score = Overlap(cell, bands[b]) - Distance(cell, bands[b]);
            if (score > bestScore)
            {
                best = b;
                bestScore = score;
            }
        }
        return best;
    }

    private static double Overlap(Cell cell, (double Start, double End) band) =>
        Math.Min(cell.End, band.End) - Math.Max(cell.Start, band.Start);

    private static double Distance(Cell cell, (double Start, double End) band)
    {
        double center = (band.Start + band.End) / 2;
        return center < cell.Start ? cell.Start - center : center > cell.End ? center - cell.End : 0;
    }

    private static bool IsFigure(string text) => Figure().IsMatch(text);

    /// <summary>Whether a header names a period: a date or a year ("June 30, 2023"), or a length ("Three Months Ended").</summary>
    private static bool NamesPeriod(string text) => text.Any(char.IsDigit) || PeriodLength().IsMatch(text);

    [GeneratedRegex(@"\b(?:ended|ending|months?|weeks?|years?|quarters?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PeriodLength();

    [GeneratedRegex(@"^[$€£¥]$")]
    private static partial Regex Currency();

    // 81,797 | $ 81,797 | (265) | (6)% | 5 % | 1.27 | — | - | n/a
    [GeneratedRegex(@"^(?:[$€£¥]\s?)?\(?[-+−]?[$€£¥]?\s?\d[\d,]*(?:\.\d+)?\)?\s?%?\)?(?:\s?(?:[a-z]{0,2}|pts|bps))?$|^(?:[$€£¥]\s?)?[—–-]+$|^n/?a$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Figure();

    [GeneratedRegex(@"^(19|20)\d\d$")]
    private static partial Regex Year();

    [GeneratedRegex(@"^\d{1,2},?$")]
    private static partial Regex Day();

    [GeneratedRegex(@"\bin\s+(?:[\w$€£¥.]+\s+)?(thousands|millions|billions)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnitsPhrase();
}
