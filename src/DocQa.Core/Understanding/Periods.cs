using System.Globalization;
using System.Text.RegularExpressions;

namespace DocQa.Core.Understanding;

public enum PeriodKind
{
    /// <summary>A day: "July 1, 2023", "1 July 2023", "2023-07-01".</summary>
    Date,

    /// <summary>A month of a year: "March 2020".</summary>
    Month,

    /// <summary>A quarter of a (possibly fiscal) year: "Q3 2023", "the first quarter of fiscal 2024".</summary>
    Quarter,

    /// <summary>Half a year or nine months of a year: "the first half of 2023", "the first nine months of 2023".</summary>
    PartOfYear,

    /// <summary>A whole year: "2019", "fiscal 2018", "FY24".</summary>
    Year,
}

/// <summary>
/// A period a text speaks of, as written (<see cref="Text"/>) and as the span of days it may mean. Quarters, halves and
/// fiscal years are read loosely: a fiscal year named Y ends in calendar year Y but may start in Y-1, and a company's
/// "third quarter of 2023" may be a fiscal one, so they span from the start of Y-1 to the end of Y.
/// </summary>
public sealed record Period(PeriodKind Kind, string Text, DateOnly Start, DateOnly End, bool Fiscal = false, int? Quarter = null)
{
    public int Year => End.Year;

    public bool Overlaps(DateOnly start, DateOnly end) => Start <= end && start <= End;

    /// <summary>How the period is named in a reason: "March 28, 2020", "Q1 2019", "fiscal 2018".</summary>
    public string Describe() => Kind switch
    {
        PeriodKind.Date => Start.AddDays(DaySlack).ToString("MMMM d, yyyy", CultureInfo.InvariantCulture),
        PeriodKind.Month => Start.AddDays(DaySlack).ToString("MMMM yyyy", CultureInfo.InvariantCulture),
        PeriodKind.Quarter => $"Q{Quarter} {(Fiscal ? "fiscal " : "")}{Year}",
        PeriodKind.Year => Fiscal ? $"fiscal {Year}" : Year.ToString(CultureInfo.InvariantCulture),
        _ => Text,
    };

    /// <summary>Whether a period found in a text is this very one: the same quarter of the same year, the same day or month.</summary>
    public bool IsNamedBy(Period found) => Kind switch
    {
        PeriodKind.Date or PeriodKind.Month => found.Kind is PeriodKind.Date or PeriodKind.Month && found.Start <= End && Start <= found.End,
        PeriodKind.Quarter => found.Kind == PeriodKind.Quarter && found.Quarter == Quarter && found.Year == Year,
        _ => found.Kind == Kind && found.Year == Year,
    };

    /// <summary>Days of slack around a date or a month: fiscal periods end on odd days ("the quarter ended July 1, 2023" is the June quarter).</summary>
    public const int DaySlack = 7;
}

/// <summary>Finds the periods (dates, months, quarters, halves, years, fiscal or not) a text names. Nothing in it is specific to one kind of document.</summary>
public static partial class PeriodFinder
{
    private const string MonthNames =
        "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

    private const string Ordinals = "first|second|third|fourth|1st|2nd|3rd|4th";

    // "July 1, 2023", "Jul. 1 2023"
    [GeneratedRegex(@"\b(?<month>" + MonthNames + @")\.?\s+(?<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?<year>(?:19|20)\d\d)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthDayYear();

    // "1 July 2023"
    [GeneratedRegex(@"\b(?<day>\d{1,2})(?:st|nd|rd|th)?\s+(?<month>" + MonthNames + @")\.?,?\s+(?<year>(?:19|20)\d\d)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DayMonthYear();

    // "2023-07-01"
    [GeneratedRegex(@"\b(?<year>(?:19|20)\d\d)-(?<month>\d\d)-(?<day>\d\d)\b", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    // "March 2020", "Mar. 2020"
    [GeneratedRegex(@"\b(?<month>" + MonthNames + @")\.?,?\s+(?<year>(?:19|20)\d\d)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthYear();

    // "Q3 2023", "Q3 FY2024", "Q3 fiscal 2023", "Q1'23", "3Q23", "fiscal Q3 2023", "FY24 Q1", "2023 Q3"
    [GeneratedRegex(@"\b(?:(?<fiscal>fiscal(?:\s+year)?|fy)\s*)?(?:q(?<q>[1-4])|(?<q>[1-4])q)\s*(?:of\s+)?(?:(?<fiscal2>fiscal(?:\s+year)?|fy)\s*)?'?(?<year>(?:19|20)?\d\d)\b"
        + @"|\b(?<fiscal>fiscal(?:\s+year)?\s+|fy\s*)?'?(?<year>(?:19|20)\d\d|(?<=fy\s*)\d\d)\s*(?:-\s*)?q(?<q>[1-4])\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuarterCode();

    // "the third quarter of 2023", "third quarter of fiscal year 2024", "third fiscal quarter of 2023", "fiscal 2024 first quarter"
    [GeneratedRegex(@"\b(?<ord>" + Ordinals + @")\s+(?<fiscal>fiscal\s+)?quarter\s+(?:of\s+|in\s+)?(?:the\s+)?(?:(?<fiscal2>fiscal(?:\s+years?)?|fy)\s*)?'?(?<year>(?:19|20)\d\d)\b"
        + @"|\b(?<fiscal>fiscal(?:\s+year)?\s+|fy\s*)?(?<year>(?:19|20)\d\d)\s+(?<ord>" + Ordinals + @")\s+(?:fiscal\s+)?quarter\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuarterWords();

    // "the first half of 2023", "first nine months of fiscal 2023", "six months ended ... 2023" (the date is found apart)
    [GeneratedRegex(@"\b(?<part>(?:first|second)\s+half|(?:first\s+)?(?:six|nine|6|9)\s+months|h[12])\s+(?:of\s+|in\s+)?(?:(?<fiscal>fiscal(?:\s+year)?|fy)\s*)?'?(?<year>(?:19|20)\d\d)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PartOfYear();

    // "fiscal 2018", "fiscal year 2024", "FY2024", "FY24", "FY 2024"
    [GeneratedRegex(@"\b(?:fiscal(?:\s+year)?\s+(?<year>(?:19|20)\d\d)|fy\s*'?(?<year>(?:19|20)?\d\d))\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FiscalYear();

    // A bare year: 1900-2099, not part of a longer number.
    [GeneratedRegex(@"(?<![\d.,$])\b(?<year>(?:19|20)\d\d)\b(?![.,]\d|\s*%)", RegexOptions.CultureInvariant)]
    private static partial Regex BareYear();

    /// <summary>
    /// The periods a text names, most specific first where they overlap in the text: a date is not also read as
    /// its month or its year. With <paramref name="datesOnly"/>, only dates and months (what dates a document's
    /// opening page: "for the quarterly period ended June 25, 2022"; bare years there are often far-off maturities).
    /// </summary>
    public static IReadOnlyList<Period> Find(string? text, bool datesOnly = false) =>
        Locate(text, datesOnly).Select(found => found.Period).ToList();

    /// <summary>What <see cref="Find"/> finds, each with where it is written in the text (for reading the words around it).</summary>
    public static IReadOnlyList<(int Index, int Length, Period Period)> Locate(string? text, bool datesOnly = false)
    {
        var found = new List<(int Start, int End, Period Period)>();
        if (string.IsNullOrWhiteSpace(text)) return [];

        void Add(Match m, Period? period)
        {
            if (period is null) return;
            if (found.Any(f => m.Index < f.End && f.Start < m.Index + m.Length)) return; // inside a more specific one
            found.Add((m.Index, m.Index + m.Length, period));
        }

        foreach (Match m in MonthDayYear().Matches(text)) Add(m, DatePeriod(m));
        foreach (Match m in DayMonthYear().Matches(text)) Add(m, DatePeriod(m));
        foreach (Match m in IsoDate().Matches(text)) Add(m, DatePeriod(m, numericMonth: true));
        foreach (Match m in MonthYear().Matches(text)) Add(m, MonthPeriod(m));
        if (!datesOnly)
        {
            foreach (Match m in QuarterWords().Matches(text)) Add(m, QuarterPeriod(m, OrdinalNumber(m.Groups["ord"].Value)));
            foreach (Match m in QuarterCode().Matches(text)) Add(m, QuarterPeriod(m, int.Parse(m.Groups["q"].Value, CultureInfo.InvariantCulture)));
            foreach (Match m in PartOfYear().Matches(text)) Add(m, YearLike(m, PeriodKind.PartOfYear));
            foreach (Match m in FiscalYear().Matches(text)) Add(m, YearLike(m, PeriodKind.Year, fiscal: true));
            foreach (Match m in BareYear().Matches(text)) Add(m, YearLike(m, PeriodKind.Year));
        }
        return found.OrderBy(f => f.Start).Select(f => (f.Start, f.End - f.Start, f.Period)).ToList();
    }

    private static Period? DatePeriod(Match m, bool numericMonth = false)
    {
        var year = int.Parse(m.Groups["year"].Value, CultureInfo.InvariantCulture);
        var month = numericMonth ? int.Parse(m.Groups["month"].Value, CultureInfo.InvariantCulture) : MonthNumber(m.Groups["month"].Value);
        var day = int.Parse(m.Groups["day"].Value, CultureInfo.InvariantCulture);
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return null;
        var date = new DateOnly(year, month, day);
        return new Period(PeriodKind.Date, m.Value, date.AddDays(-Period.DaySlack), date.AddDays(Period.DaySlack));
    }

    private static Period? MonthPeriod(Match m)
    {
        // "May 2023" is a month; but "may" is also a verb ("may 2023 results ..." is rare enough to accept).
        var year = int.Parse(m.Groups["year"].Value, CultureInfo.InvariantCulture);
        var month = MonthNumber(m.Groups["month"].Value);
        var first = new DateOnly(year, month, 1);
        return new Period(PeriodKind.Month, m.Value, first.AddDays(-Period.DaySlack), first.AddMonths(1).AddDays(Period.DaySlack - 1));
    }

    private static Period QuarterPeriod(Match m, int quarter)
    {
        var fiscal = m.Groups["fiscal"].Success || m.Groups["fiscal2"].Success;
        var year = Year(m.Groups["year"].Value);
        return new Period(PeriodKind.Quarter, m.Value, new DateOnly(year - 1, 1, 1), new DateOnly(year, 12, 31), fiscal, quarter);
    }

    private static Period YearLike(Match m, PeriodKind kind, bool fiscal = false)
    {
        fiscal |= m.Groups["fiscal"].Success;
        var year = Year(m.Groups["year"].Value);
        // A calendar year is itself; a fiscal year, a part of a year (which may be fiscal) may start the year before.
        var loose = fiscal || kind != PeriodKind.Year;
        return new Period(kind, m.Value, new DateOnly(loose ? year - 1 : year, 1, 1), new DateOnly(year, 12, 31), fiscal);
    }

    private static int Year(string text)
    {
        var value = int.Parse(text, CultureInfo.InvariantCulture);
        return value < 100 ? 2000 + value : value;
    }

    /// <summary>The quarters a text names by their ordinal, with or without a year ("the third quarter"), as 1 to 4.</summary>
    public static HashSet<int> QuarterNumbers(string text) =>
        QuarterOrdinal().Matches(text).Select(m => OrdinalNumber(m.Groups["ord"].Value)).ToHashSet();

    [GeneratedRegex(@"\b(?<ord>" + Ordinals + @")\s+(?:fiscal\s+)?quarter\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuarterOrdinal();

    private static int OrdinalNumber(string ordinal) => ordinal.ToLowerInvariant() switch
    {
        "first" or "1st" => 1,
        "second" or "2nd" => 2,
        "third" or "3rd" => 3,
        _ => 4,
    };

    private static int MonthNumber(string name) => name.ToLowerInvariant()[..3] switch
    {
        "jan" => 1, "feb" => 2, "mar" => 3, "apr" => 4, "may" => 5, "jun" => 6,
        "jul" => 7, "aug" => 8, "sep" => 9, "oct" => 10, "nov" => 11, _ => 12,
    };

    /// <summary>Whether a word is a month's name or short name ("Jan", "September"): a date's, not an entity's.</summary>
    public static bool IsMonthName(string word) => MonthWord().IsMatch(word);

    [GeneratedRegex(@"^(?:" + MonthNames + @")\.?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthWord();
}
