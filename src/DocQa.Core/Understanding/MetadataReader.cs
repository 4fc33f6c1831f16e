using System.Globalization;
using System.Text.RegularExpressions;
using DocQa.Core.Documents;
using DocQa.Core.Extraction;

namespace DocQa.Core.Understanding;

/// <summary>
/// Derives a document's metadata (<see cref="DocumentMetadata"/>) at ingestion from its declared title and its first
/// page, the way a reader skims a cover: the title, the legal name of the organisation, cue words of its kind, and
/// the period it says it covers. Nothing here knows one kind of document; a key the first page does not state is
/// left out rather than guessed.
/// </summary>
public static partial class MetadataReader
{
    /// <summary>Most of the opening read for names: a long first page is not read to its end.</summary>
    private const int OpeningChars = 6000;

    /// <summary>A first page with less text than this (a cover with a title only) is read with the next one.</summary>
    private const int ShortPageChars = 500;

    /// <summary>The head of the opening, where a cover states its kind and period; further down, dates are of other things.</summary>
    private const int HeadChars = 2000;

    private const int MaxTitleChars = 200;

    public static IReadOnlyDictionary<string, string> Read(ExtractedDocument document, string fileName)
    {
        var opening = Opening(document.Blocks);
        var title = TitleOf(document, fileName);
        var head = title + "\n" + opening[..Math.Min(opening.Length, HeadChars)];

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DocumentMetadata.Title] = title,
            [DocumentMetadata.Type] = TypeOf(head),
        };
        if (OrganizationOf(opening) is { } organization) metadata[DocumentMetadata.Organization] = organization;
        AddPeriod(metadata, head);
        return metadata;
    }

    /// <summary>The text of the first page with text, one line per line or table cell; with the next page when it is short.</summary>
    internal static string Opening(IReadOnlyList<DocumentBlock> blocks)
    {
        if (blocks.Count == 0) return "";
        var first = blocks.Min(b => b.Page);
        var lines = new List<string>();
        var length = 0;
        foreach (var block in blocks)
        {
            if (block.Page != first && (length >= ShortPageChars || block.Page > first + 1) || length >= OpeningChars) break;
            foreach (var line in LinesOf(block))
            {
                lines.Add(line);
                length += line.Length + 1;
            }
        }
        var text = string.Join('\n', lines);
        return text.Length <= OpeningChars ? text : text[..OpeningChars];
    }

    private static IEnumerable<string> LinesOf(DocumentBlock block)
    {
        var lines = block.Text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (block.Kind != BlockKind.Table) return lines;
        // A cover is often laid out as a table: each cell reads as a line of its own ("Intel Corporation" above
        // "(Exact name of registrant ...)"); delimiter rows hold no words.
        return lines.SelectMany(row => row.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Where(cell => cell.Any(char.IsLetterOrDigit));
    }

    // --- Title ---

    /// <summary>The declared title when it is a real one, else the first heading of the first page, else the file name.</summary>
    internal static string TitleOf(ExtractedDocument document, string fileName)
    {
        var declared = Collapse(document.Title ?? "");
        if (IsRealTitle(declared, fileName)) return declared;
        if (document.Blocks.Count > 0)
        {
            var first = document.Blocks.Min(b => b.Page);
            var heading = document.Blocks
                .Where(b => b.Kind == BlockKind.Heading && b.Page == first)
                .Select(b => Collapse(b.Text))
                .FirstOrDefault(text => text.Length <= MaxTitleChars && text.Any(char.IsLetter));
            if (heading is not null) return heading;
        }
        var name = Collapse(Path.GetFileNameWithoutExtension(fileName).Replace('_', ' '));
        return name.Length > 0 ? name : fileName;
    }

    /// <summary>Authoring tools fill the title property with placeholders and file names: those say nothing.</summary>
    private static bool IsRealTitle(string title, string fileName) =>
        title.Length is > 0 and <= MaxTitleChars && title.Any(char.IsLetter)
        && !PlaceholderTitle().IsMatch(title)
        && !string.Equals(title, fileName, StringComparison.OrdinalIgnoreCase)
        && !string.Equals(title, Path.GetFileNameWithoutExtension(fileName), StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^(?:untitled(?:\s+document)?|document\s*\d*|title|presentation|powerpoint\s+presentation|slide\s*\d+|microsoft\s+word\b.*|.*\.(?:docx?|pdf|rtf|txt|odt|indd|html?|md))$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderTitle();

    // --- Type ---

    /// <summary>Cue words of each kind of document, tried in this order when two start at the same place.</summary>
    private static readonly (string Type, Regex Cue)[] TypeCues =
    [
        ("quarterly-report", Cue(@"quarterly\s+report|form\s+10-q|quarterly\s+period\s+ended|interim\s+(?:financial\s+)?report")),
        ("annual-report", Cue(@"annual\s+report|form\s+10-k|form\s+20-f")),
        ("invoice", Cue(@"invoice")),
        ("minutes", Cue(@"minutes\s+of|meeting\s+minutes|minutes")),
        ("handbook", Cue(@"handbook|(?:user|employee|owner'?s|operations?|reference)\s+(?:manual|guide)")),
        ("policy", Cue(@"polic(?:y|ies)|code\s+of\s+conduct")),
        ("contract", Cue(@"agreement|contract|terms\s+(?:and\s+conditions|of\s+service|of\s+use)|statement\s+of\s+work|memorandum\s+of\s+understanding")),
    ];

    private static Regex Cue(string words) =>
        new(@"\b(?:" + words + @")\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>The kind whose cue comes first in the title and the head of the first page (a title names its kind); "other" without any.</summary>
    internal static string TypeOf(string head)
    {
        var best = (Type: "other", Index: int.MaxValue);
        foreach (var (type, cue) in TypeCues)
        {
            var match = cue.Match(head);
            if (match.Success && match.Index < best.Index) best = (type, match.Index);
        }
        return best.Type;
    }

    // --- Organisation ---

    /// <summary>
    /// The registrant a filing's cover names above "(Exact name of registrant as specified in its charter)", else the
    /// legal name (a name ending in Inc., Corporation, Ltd, GmbH …) written most often on the first page, the first
    /// of equals. A document without a legal name on its first page (a wiki page, a memo) gets none.
    /// </summary>
    internal static string? OrganizationOf(string opening)
    {
        var lines = opening.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var marker = RegistrantMarker().Match(lines[i]);
            if (!marker.Success) continue;
            var before = lines[i][..marker.Index].Trim();
            var name = before.Length > 0 ? before : i > 0 ? lines[i - 1].Trim() : "";
            if (name.Length is > 1 and <= 120 && name.Any(char.IsLetter)) return Collapse(name);
        }

        var names = new List<string>();
        foreach (var line in lines)
            foreach (Match match in LegalName().Matches(line))
                if (NameOf(match) is { } name) names.Add(name);
        return names
            .GroupBy(DocumentMetadata.Comparable)
            .OrderByDescending(group => group.Count())
            .Select(group => group.First())
            .FirstOrDefault();
    }

    [GeneratedRegex(@"\(?\s*exact\s+name\s+of\s+(?:the\s+)?registrant", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RegistrantMarker();

    // Capitalised words, joined by "of", "and", "&" …, then a legal form: "Acme Corporation", "Foo, Inc.",
    // "Bank of America Corporation", "Baz GmbH". Long forms are matched in any case ("INTEL CORPORATION"); short
    // ones only as capitals ("AG", not "ag"). A name stays on its line.
    private const string NameWord = @"\p{Lu}[\p{L}\p{N}&'’.\-]*";

    [GeneratedRegex(@"(?<![\p{L}\p{N}])(?<w>" + NameWord + @")(?:[ \t]+(?:(?<w>of|and|&|de|du|the|für|und)[ \t]+)?(?<w>" + NameWord + @")){0,6}?,?[ \t]+"
        + @"(?<form>(?i:corporation|corp\.?|incorporated|inc\.?|limited|ltd\.?|company|gmbh|llc|l\.l\.c\.|llp|plc|pty\.?\s+ltd\.?)|AG|SE|SA|S\.A\.|N\.V\.|B\.V\.|S\.p\.A\.|L\.P\.|LP|Co\.)(?![\p{L}\p{N}])",
        RegexOptions.CultureInvariant)]
    private static partial Regex LegalName();

    /// <summary>
    /// Words that are not part of a name though capitalised before one: the kind of document ("Quarterly Report of
    /// Acme Inc."), the words that introduce a party ("Between Acme Corporation"), a meeting's body ("Board of
    /// Directors of Acme Inc."). A name starts after the last of them.
    /// </summary>
    private static readonly HashSet<string> NotNameWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "report", "reports", "agreement", "contract", "handbook", "policy", "manual", "guide", "invoice", "minutes",
        "form", "annual", "quarterly", "statement", "statements", "memorandum", "proxy", "prospectus", "notice",
        "between", "by", "for", "from", "with", "to", "in", "on", "at", "prepared", "issued", "published", "copyright",
        "dear", "made", "entered", "this", "that", "these", "our", "your", "its", "each", "any", "such", "other",
        "whereas", "re", "date", "dated", "attention", "bill", "ship", "sold", "client", "customer", "vendor", "supplier",
        "party", "parties", "board", "directors", "meeting", "committee", "shareholders", "stockholders", "parent",
        "registrant", "issuer", "subsidiary", "successor", "holding", "a", "an", "all",
    };

    private static readonly HashSet<string> Joiners = new(StringComparer.OrdinalIgnoreCase) { "of", "and", "&", "de", "du", "the", "für", "und" };

    private static string? NameOf(Match match)
    {
        var words = match.Groups["w"].Captures;
        var start = 0;
        for (var i = 0; i < words.Count; i++)
            if (!Joiners.Contains(words[i].Value) && NotNameWords.Contains(words[i].Value.TrimEnd('.', ',', ':'))) start = i + 1;
        while (start < words.Count && Joiners.Contains(words[start].Value)) start++;
        if (start >= words.Count) return null; // "The Company", "Parent Corp."
        var from = words[start].Index - match.Index;
        return Collapse(match.Value[from..]);
    }

    // --- Period ---

    /// <summary>
    /// The period the head names: a range of dates ("January 1, 2024 to December 31, 2024"), a period ended on a
    /// date ("for the quarterly period ended July 1, 2023"), a date it takes effect ("Effective March 1, 2024"), a
    /// quarter ("the first quarter of fiscal 2024") and a fiscal year ("fiscal 2024", "FY2024"). The first of each is
    /// taken; <see cref="DocumentMetadata.Period"/> is the most telling one as written.
    /// </summary>
    internal static void AddPeriod(Dictionary<string, string> metadata, string head)
    {
        var found = PeriodFinder.Locate(head);
        string? range = null, ended = null, effective = null, quarter = null, fiscalYear = null;
        for (var i = 0; i < found.Count; i++)
        {
            var (index, length, period) = found[i];
            if (period.Kind is PeriodKind.Date or PeriodKind.Month)
            {
                var before = head[..index];
                if (range is null && i + 1 < found.Count && found[i + 1].Period.Kind is PeriodKind.Date or PeriodKind.Month
                    && RangeJoin().IsMatch(head[(index + length)..found[i + 1].Index]))
                {
                    var next = found[i + 1];
                    range = head[index..(next.Index + next.Length)];
                    metadata.TryAdd(DocumentMetadata.PeriodStart, Iso(FirstDay(period)));
                    metadata.TryAdd(DocumentMetadata.PeriodEnd, Iso(LastDay(next.Period)));
                    i++;
                }
                else if (ended is null && EndedCue().Match(before) is { Success: true } endedCue)
                {
                    ended = LeadingThe().Replace(endedCue.Value, "") + period.Text;
                    metadata.TryAdd(DocumentMetadata.PeriodEnd, Iso(LastDay(period)));
                }
                else if (effective is null && EffectiveCue().Match(before) is { Success: true } effectiveCue)
                {
                    effective = effectiveCue.Value + period.Text;
                    metadata.TryAdd(DocumentMetadata.PeriodStart, Iso(FirstDay(period)));
                }
            }
            else if (period.Kind == PeriodKind.Quarter && quarter is null)
            {
                // A report names its own quarter; whether the year is fiscal or calendar, it is the company's year.
                quarter = period.Text;
                metadata.TryAdd(DocumentMetadata.FiscalQuarter, period.Quarter!.Value.ToString(CultureInfo.InvariantCulture));
                metadata.TryAdd(DocumentMetadata.FiscalYear, period.Year.ToString(CultureInfo.InvariantCulture));
            }
            else if (period is { Kind: PeriodKind.Year, Fiscal: true } && fiscalYear is null)
            {
                fiscalYear = period.Text;
                metadata.TryAdd(DocumentMetadata.FiscalYear, period.Year.ToString(CultureInfo.InvariantCulture));
            }
        }
        if ((range ?? ended ?? quarter ?? fiscalYear ?? effective) is { } named)
            metadata[DocumentMetadata.Period] = Collapse(named);
    }

    // Between the two dates of a range: "January 1, 2024 to December 31, 2024", "1 Jan 2024 - 31 Dec 2024".
    [GeneratedRegex(@"^\s*(?:-|–|—|to|through|thru|until)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RangeJoin();

    // Before the date a period ends: "the quarterly period ended ", "fiscal year ending: ", "three months ended ".
    [GeneratedRegex(@"(?<![\p{L}\p{N}])(?:[\p{L}-]+[ \t]+){0,2}(?:ended|ending|end)[ \t]*:?[ \t]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EndedCue();

    // Before the date a document takes effect: "Effective ", "effective as of ", "Effective date: ", "commencing on ".
    [GeneratedRegex(@"\b(?:effective|beginning|commencing|starting)(?:[ \t]+(?:as[ \t]+of|on|from|date))?[ \t]*:?[ \t]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EffectiveCue();

    [GeneratedRegex(@"^the\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LeadingThe();

    private static DateOnly FirstDay(Period period) => period.Start.AddDays(Period.DaySlack);

    private static DateOnly LastDay(Period period) => period.End.AddDays(-Period.DaySlack);

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Collapse(string text) => WhiteSpace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
