using System.Text;
using System.Text.RegularExpressions;

namespace DocQa.Core.Answering;

/// <summary>
/// A table as it appears in a passage's text: one row per line, cells between '|' ("| Total net sales | $81,797 |"),
/// and, when it has column headers, the header rows followed by a delimiter row ("|---|---|"). The header rows of a
/// column are read together ("Three Months Ended" over "July 1, 2023"); the units of its figures ("(In millions)")
/// come from the headers or from the lines just above the table.
/// </summary>
internal sealed partial class TextTable
{
    private TextTable(IReadOnlyList<string> headers, string? caption, string? unit, bool unitHasExceptions)
    {
        Headers = headers;
        Caption = caption;
        Unit = unit;
        UnitHasExceptions = unitHasExceptions;
    }

    /// <summary>Each column's header, the header rows of the column joined; "" where a column has none.</summary>
    public IReadOnlyList<string> Headers { get; }

    /// <summary>The line of prose just above the table in the passage, which often says what it is about; null when none.</summary>
    public string? Caption { get; }

    /// <summary>"thousand", "million" or "billion" when the table says its figures are in those; else null.</summary>
    public string? Unit { get; }

    /// <summary>The units come with exceptions ("except per share amounts"): they are not applied to figures that may be one.</summary>
    public bool UnitHasExceptions { get; }

    public bool HasHeaders => Headers.Any(h => h.Length > 0);

    private readonly Dictionary<int, string> _currencies = [];

    /// <summary>The currency sign set before figures of a column ("$ 81,797" on its first row); null when none is.</summary>
    public string? CurrencyOf(int column) => _currencies.GetValueOrDefault(column);

    /// <summary>Whether a trimmed line of a passage is a table row.</summary>
    public static bool IsRow(string line) =>
        (line.Length > 1 && line[0] == '|') || line.Contains(" | ", StringComparison.Ordinal);

    /// <summary>The cells of a table row, outer '|' removed, each trimmed.</summary>
    public static string[] Cells(string row)
    {
        string inner = row.Trim();
        if (inner.StartsWith('|'))
            inner = inner[1..];
        if (inner.EndsWith('|'))
            inner = inner[..^1];
        return inner.Split('|').Select(c => c.Trim()).ToArray();
    }

    /// <summary>Whether a row is the delimiter between header rows and data rows ("|---|:---:|").</summary>
    public static bool IsDelimiter(string row)
    {
        var cells = Cells(row);
        return cells.Length > 0 && cells.All(c => DelimiterCell().IsMatch(c));
    }

    /// <summary>
    /// Reads a run of table rows. Rows above the delimiter (when it comes within the first few rows) are the
    /// header; the rest are returned as data rows, delimiter excluded, each with its index in <paramref name="rows"/>.
    /// A data row without any figure or text beyond its first cell ("Net sales:") names the section of the rows below it.
    /// </summary>
    /// <param name="above">The passage's text just above the table, where a caption may give its units.</param>
    public static (TextTable Table, List<(int Index, TableRow Row)> Rows) Read(IReadOnlyList<string> rows, string above)
    {
        int delimiter = -1;
        for (int i = 0; i < Math.Min(rows.Count, 6); i++)
        {
            if (IsDelimiter(rows[i]))
            {
                delimiter = i;
                break;
            }
        }

        var headerRows = delimiter > 0 ? rows.Take(delimiter).Select(Cells).ToList() : [];
        int columns = rows.Max(r => Cells(r).Length);
        var headers = new string[columns];
        for (int j = 0; j < columns; j++)
        {
            var parts = new List<string>();
            foreach (var cells in headerRows)
            {
                if (j < cells.Length && cells[j].Length > 0 && (parts.Count == 0 || parts[^1] != cells[j]))
                    parts.Add(cells[j]);
            }
            headers[j] = string.Join(' ', parts);
        }

        // A period over the labels' column ("Three Months Ended September 30," over "2023 | 2022") heads every column.
        if (headers.Length > 1 && PeriodPrefix().IsMatch(headers[0]))
        {
            for (int j = 1; j < headers.Length; j++)
            {
                if (headers[j].Length > 0 && !headers[j].Contains(headers[0], StringComparison.OrdinalIgnoreCase))
                    headers[j] = headers[0] + " " + headers[j];
            }
        }

        var lines = LastLines(above, 3).ToList();
        string caption = string.Join('\n', lines) + "\n" + string.Join(" ", headers);
        var unit = UnitPattern().Match(caption);
        var table = new TextTable(
            headers,
            lines.Count > 0 ? lines[^1] : null,
            unit.Success ? unit.Groups[1].Value.ToLowerInvariant().TrimEnd('s') : null,
            unit.Success && caption.Contains("except", StringComparison.OrdinalIgnoreCase));

        var data = new List<(int, TableRow)>();
        string? section = null;
        for (int i = delimiter + 1; i < rows.Count; i++)
        {
            if (IsDelimiter(rows[i]))
                continue;
            var cells = Cells(rows[i]);
            bool hasValues = cells.Skip(1).Any(c => c.Length > 0);
            for (int j = 1; j < cells.Length; j++)
            {
                if (cells[j].Length > 0 && cells[j][0] is '$' or '€' or '£' or '¥' && cells[j].Any(char.IsDigit))
                    table._currencies.TryAdd(j, cells[j][..1]);
            }
            // A row with a label and no values heads the rows below it ("Net sales:", "North America").
            if (!hasValues && cells.Length > 0 && cells[0].Any(char.IsLetter))
                section = cells[0].TrimEnd(':').Trim();
            data.Add((i, new TableRow(table, cells, section)));
            // A total closes its section: "Gross margin" after "Total cost of sales" is not a cost of sales.
            if (hasValues && cells[0].StartsWith("Total", StringComparison.OrdinalIgnoreCase))
                section = null;
        }
        return (table, data);
    }

    private static IEnumerable<string> LastLines(string text, int count) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !IsRow(l)).TakeLast(count);

    [GeneratedRegex(@"\b(months?|weeks?|quarters?|years?|periods?)\s+ended\b|\bas\s+of\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PeriodPrefix();

    [GeneratedRegex(@"^:?-+:?$")]
    private static partial Regex DelimiterCell();

    [GeneratedRegex(@"\bin\s+(?:[\w$€£¥]+\s+)?(thousands|millions|billions)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnitPattern();
}

/// <summary>A data row of a <see cref="TextTable"/>: its cells, the first one its label, and the section it is in.</summary>
internal sealed partial class TableRow(TextTable table, string[] cells, string? section)
{
    public TextTable Table { get; } = table;

    public IReadOnlyList<string> Cells { get; } = cells;

    /// <summary>The label of the section row above ("Net sales" for the rows under "Net sales:"); null when none.</summary>
    public string? Section { get; } = section;

    public string Label => Cells.Count > 0 ? Cells[0] : "";

    /// <summary>Whether any cell after the label holds something.</summary>
    public bool HasValues => Cells.Skip(1).Any(c => c.Any(char.IsLetterOrDigit));

    /// <summary>
    /// The row as an answer to the question: its label, the header of the column that best matches the question,
    /// and that column's value with the table's units ("Total net sales, three months ended July 1, 2023: $81,797
    /// million"). When the question names no period that singles out one column ("How have net sales changed?"),
    /// the row's columns are listed each with its header, up to <see cref="MaxColumns"/>. Null when the table has
    /// no headers or the row no value: the row is then read as it is.
    /// </summary>
    public string? Describe(TableQuestion question)
    {
        if (!Table.HasHeaders)
            return null;
        var columns = RankColumns(question);
        if (columns.Count == 0)
            return null;

        var text = new StringBuilder();
        string label = Label.TrimEnd(':').Trim();
        text.Append(label);
        if (Section is { Length: > 0 } section && !label.StartsWith("total", StringComparison.OrdinalIgnoreCase)
            && !label.Contains(section, StringComparison.OrdinalIgnoreCase))
        {
            text.Append(" (").Append(section).Append(')');
        }

        bool singledOut = question.NamesPeriod || (question.AsksChange && columns[0].IsChange);
        bool single = columns.Count == 1 || (singledOut && columns[0].Score > columns[1].Score + 1e-9);
        if (single)
        {
            int column = columns[0].Column;
            string header = HeaderOf(column);
            if (header.Length > 0)
                text.Append(text.Length > 0 ? ", " : "").Append(header);
            text.Append(text.Length > 0 ? ": " : "").Append(Value(column));
            return text.ToString();
        }

        // Several periods: each value with its header, in the table's order; the periods' own figures before
        // the changes between them, which they already show.
        var listed = columns.Where(c => !c.IsChange || question.AsksChange).OrderBy(c => c.IsChange).Take(MaxColumns).OrderBy(c => c.Column).ToList();
        if (listed.Count == 0)
            listed = [columns[0]];
        text.Append(text.Length > 0 ? ": " : "");
        text.AppendJoin("; ", listed.Select(c => HeaderOf(c.Column) is { Length: > 0 } header ? $"{header} {Value(c.Column)}" : Value(c.Column)));
        return text.ToString();
    }

    /// <summary>The most columns listed when the question does not single one out.</summary>
    public const int MaxColumns = 4;

    private string HeaderOf(int column) => column < Table.Headers.Count ? HeaderForProse(Table.Headers[column]) : "";

    /// <summary>The value columns of the row, best match to the question first (ties: leftmost first).</summary>
    private List<(int Column, double Score, bool IsChange)> RankColumns(TableQuestion question)
    {
        var columns = new List<(int Column, double Score, bool IsChange)>();
        for (int j = 1; j < Cells.Count; j++)
        {
            if (Cells[j].Length == 0 || !Cells[j].Any(char.IsLetterOrDigit))
                continue;
            string header = j < Table.Headers.Count ? Table.Headers[j] : "";
            columns.Add((j, question.ScoreHeader(header, Cells[j]), TableQuestion.IsChange(header, Cells[j])));
        }
        return columns.OrderByDescending(c => c.Score).ThenBy(c => c.Column).ToList();
    }

    /// <summary>
    /// The value column whose header best matches the question: shared terms (years weigh most), the length of
    /// the period ("quarter" meets "Three Months Ended"), and a change or percentage column only when the question
    /// asks for one. Ties go to the leftmost column, usually the latest period.
    /// </summary>
    internal int BestColumn(TableQuestion question) => RankColumns(question) is { Count: > 0 } ranked ? ranked[0].Column : -1;

    /// <summary>
    /// A cell as an amount: the currency sign of its column where the table sets it only on the first and total
    /// rows, and the table's units ("$81,797 million"). Neither goes on a percentage, a count of shares, or an
    /// amount per share or per unit, which the units of a table do not apply to.
    /// </summary>
    private string Value(int column)
    {
        string value = SpaceAfterCurrency().Replace(Cells[column], "$1");
        value = SpaceBeforePercent().Replace(value, "%");
        if (!value.Any(char.IsDigit) || value.Contains('%') || value.Any(char.IsLetter))
            return value;
        // A header's note on units ("($ in millions, except per share data)") says nothing of this row.
        string header = column < Table.Headers.Count ? Parenthetical().Replace(Table.Headers[column], " ") : "";
        string about = $"{Label} {Section} {header}";
        // Nor does it apply to a time its column gives in years or days ("Remaining Term (years)").
        if (PerOrShares().IsMatch(about) || column < Table.Headers.Count && TimeUnit().IsMatch(Table.Headers[column]))
            return value;
        if (Table.CurrencyOf(column) is { } sign && !Currency().IsMatch(value))
            value = value.StartsWith('(') ? "(" + sign + value[1..] : sign + value;
        if (Table.Unit is null || (Table.UnitHasExceptions && value.Contains('.')))
            return value;
        return $"{value} {Table.Unit}";
    }

    [GeneratedRegex(@"\bper\s|\bshares\b|\bunits\b|\bemployees\b|\bheadcount\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PerOrShares();

    [GeneratedRegex(@"\(\s*(?:in\s+)?(?:years|months|weeks|days|hours)\s*\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TimeUnit();

    [GeneratedRegex(@"[$€£¥]")]
    private static partial Regex Currency();

    [GeneratedRegex(@"\([^()]*\)")]
    private static partial Regex Parenthetical();

    /// <summary>
    /// A header inside a sentence: the words of a period ("Three Months Ended") in lower case, names and dates as
    /// they are. A change column under a period's length ("Three Months Ended | % Change") reads "% change over
    /// three months", not "three months ended % change"; "Quarter-over-Quarter Change" reads as it says.
    /// </summary>
    private static string HeaderForProse(string header)
    {
        header = UnitsNote().Replace(header, "").Trim();
        if (EndedChange().Match(header) is { Success: true } change)
        {
            // "Quarter-over-Quarter Change" says what it compares; a bare "Change" compares over the length.
            header = change.Groups["over"].Success
                ? change.Groups["over"].Value.ToLowerInvariant() + " change"
                : $"{change.Groups["sign"].Value}change over {change.Groups["length"].Value}";
        }
        return PeriodWord().Replace(header, m => m.Value.ToLowerInvariant());
    }

    [GeneratedRegex(@"^(?<length>[\w-]+\s+(?:Months?|Weeks?|Years?|Quarters?))\s+End(?:ed|ing)\s+(?:(?<sign>[$%]\s*)|(?<over>\w+-over-\w+)\s+)?Change$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EndedChange();

    /// <summary>"($ in millions, except per share data)" in a header: the value carries its units already.</summary>
    [GeneratedRegex(@"\s*\([^()]*\bin\s+(?:[\w$€£¥]+\s+)?(?:thousands|millions|billions)\b[^()]*\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnitsNote();

    [GeneratedRegex(@"([$€£¥])\s+(?=[\d(])")]
    private static partial Regex SpaceAfterCurrency();

    [GeneratedRegex(@"\s+%")]
    private static partial Regex SpaceBeforePercent();

    [GeneratedRegex(@"\b(One|Two|Three|Four|Six|Nine|Twelve|Thirteen|Twenty-Six|Thirty-Nine|Fifty-Two|Fifty-Three|Months?|Weeks?|Days?|Ended|Ending|Year|Years|Quarter|Quarters|Fiscal|Period|Periods|As|Of|At|Through|Change)\b", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodWord();
}

/// <summary>What a question says that helps pick a table's column: its terms, the length of the period it asks about, and whether it asks for a change.</summary>
internal sealed partial class TableQuestion
{
    private readonly HashSet<string> _terms;
    private readonly int? _months;
    private readonly bool _asksChange;
    private readonly HashSet<string> _years;

    public TableQuestion(string question)
    {
        _terms = AnswerText.Terms(question);
        _months = Months(question);
        _asksChange = ChangeWords().IsMatch(question);
        _years = Year().Matches(question).Select(m => m.Value).ToHashSet();
        NamesPeriod = _months is not null || _years.Count > 0 || MonthName().IsMatch(question);
    }

    private static readonly HashSet<string> PeriodLengthWords = new(StringComparer.Ordinal)
    {
        "quarter", "quarterly", "month", "week", "year", "annual", "ended", "ending", "fiscal", "three", "six", "nine", "twelve", "first", "second", "third", "fourth", "half",
    };

    /// <summary>The question names a period: a length ("quarter"), a year or a month.</summary>
    public bool NamesPeriod { get; }

    /// <summary>The question asks how something changed ("increase", "percentage").</summary>
    public bool AsksChange => _asksChange;

    /// <summary>A column of changes: its header says so, or its values are percentages.</summary>
    public static bool IsChange(string header, string value) =>
        ChangeWords().IsMatch(header) || value.Contains('%') || header.Contains('%');

    public double ScoreHeader(string header, string value)
    {
        double score = 0;
        var headerTerms = AnswerText.Terms(header);
        foreach (string term in headerTerms)
        {
            // Words of a period's length ("quarter", "months") are weighed below by the length they name.
            if (!_terms.Contains(term) || PeriodLengthWords.Contains(term))
                continue;
            score += term.All(char.IsDigit) ? (term.Length == 4 ? 1.5 : 0.5) : 1.0;
        }
        if (_months is { } asked && Months(header) is { } months)
            score += asked == months ? 2 : -2;
        var headerYears = Year().Matches(header).Select(m => m.Value).ToList();
        if (_years.Count > 0 && headerYears.Count > 0 && !headerYears.Any(_years.Contains))
            score -= 1;
        bool isChange = IsChange(header, value);
        if (isChange && !_asksChange)
            score -= 1.5;
        else if (isChange)
            score += 0.5;
        return score;
    }

    /// <summary>The length in months of the period a text speaks of ("three months", "quarter", "first nine months", "fiscal year"); null when none.</summary>
    internal static int? Months(string text)
    {
        var m = MonthCount().Match(text);
        if (m.Success)
        {
            return m.Groups[1].Value.ToLowerInvariant() switch
            {
                "one" or "1" => 1,
                "three" or "3" => 3,
                "six" or "6" => 6,
                "nine" or "9" => 9,
                _ => 12,
            };
        }
        var w = WeekCount().Match(text);
        if (w.Success)
        {
            return w.Groups[1].Value.ToLowerInvariant() switch
            {
                "13" or "thirteen" => 3,
                "26" or "twenty-six" => 6,
                "39" or "thirty-nine" => 9,
                _ => 12,
            };
        }
        if (Quarter().IsMatch(text))
            return 3;
        if (HalfYear().IsMatch(text))
            return 6;
        if (FullYear().IsMatch(text))
            return 12;
        return null;
    }

    [GeneratedRegex(@"\b(one|1|three|3|six|6|nine|9|twelve|12)[-\s]+months?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthCount();

    [GeneratedRegex(@"\b(13|thirteen|26|twenty-six|39|thirty-nine|52|fifty-two|53|fifty-three)[-\s]+weeks?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeekCount();

    [GeneratedRegex(@"\b(quarters?|quarterly|Q[1-4])\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Quarter();

    [GeneratedRegex(@"\b(half[-\s]year|first half|second half|semi-?annual|H[12])\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HalfYear();

    [GeneratedRegex(@"\b(years?|annual|annually|full[-\s]year)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FullYear();

    [GeneratedRegex(@"\b(change[sd]?|increase[sd]?|decrease[sd]?|grow(th|n)?|grew|decline[sd]?|percent(age)?|rose|fell|difference)\b|%", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ChangeWords();

    [GeneratedRegex(@"\b(19|20)\d\d\b")]
    private static partial Regex Year();

    [GeneratedRegex(@"\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b", RegexOptions.CultureInvariant)]
    private static partial Regex MonthName();
}
