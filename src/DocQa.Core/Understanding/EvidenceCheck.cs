using System.ComponentModel.DataAnnotations;
using System.Globalization;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;

namespace DocQa.Core.Understanding;

public sealed record EvidenceOptions
{
    public const string Section = "Evidence";

    /// <summary>Off: every retrieved passage counts as evidence, as before the check existed.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// How far before its own date a document still speaks of: a report compares with the same period a year before
    /// and states the previous year-end's figures, a contract recites what came before it.
    /// </summary>
    [Range(0, 1200)]
    public int LookbackMonths { get; init; } = 15;

    /// <summary>How many keyword matches are read to find whether the documents name something.</summary>
    [Range(1, 10_000)]
    public int ProbeDepth { get; init; } = 30;

    /// <summary>Retrieval fetches this many times the passages an answer uses, so that enough remain after the check.</summary>
    [Range(1, 100)]
    public int CandidateFactor { get; init; } = 3;
}

/// <summary>The outcome of an evidence check: the passages an answer may use, or why there are none.</summary>
public sealed record EvidenceResult(QuestionAnalysis Analysis, IReadOnlyList<Passage> Supported, string? MissingReason)
{
    public bool Passed => MissingReason is null;
}

/// <summary>
/// Checks, before anything answers, that the documents hold evidence for the question: every name it mentions
/// occurs in the documents, its periods fall within what the documents cover, and some retrieved passage is about
/// it (its document or its text names the question's names and periods, and its text holds some of the question's
/// other content words). Only the passages that pass may be used; when none do, the reason says what is missing.
/// </summary>
public sealed class EvidenceCheck(ISearchIndex store, DocumentSubjects subjects, EvidenceOptions? options = null)
{
    private readonly EvidenceOptions _options = options ?? new EvidenceOptions();

    public EvidenceOptions Options => _options;

    /// <summary>How many passages to retrieve so that <paramref name="top"/> can remain after the check.</summary>
    public int CandidateCount(int top) => _options.Enabled ? Math.Max(top, top * Math.Max(1, _options.CandidateFactor)) : top;

    public async Task<EvidenceResult> CheckAsync(string index, string question, IReadOnlyList<Passage> passages, int top,
        SearchFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var analysis = QuestionAnalyzer.Analyze(question);
        if (!_options.Enabled) return new EvidenceResult(analysis, passages.Take(top).ToList(), null);
        if (passages.Count == 0) return new EvidenceResult(analysis, [], "no passages matched the question");
        filter ??= SearchFilter.None;

        var documents = (await subjects.ListAsync(index, cancellationToken))
            .Where(s => filter.DocumentIds.Count == 0 || filter.DocumentIds.Contains(s.DocumentId))
            .ToDictionary(s => s.DocumentId, StringComparer.Ordinal);
        var read = passages.Select(p => new ReadPassage(p, documents.GetValueOrDefault(p.DocumentId))).ToList();

        // 1. Every name must occur somewhere in the documents.
        var unknown = new List<string>();
        foreach (var entity in analysis.Entities)
        {
            if (!await IsKnownAsync(index, entity, documents.Values, read, filter, cancellationToken))
                unknown.Add(entity.Text);
        }
        if (unknown.Count > 0)
            return new EvidenceResult(analysis, [], $"none of the documents mention {JoinOr(unknown)}");

        // The names a passage must be about: those the question names as owners ("Intel's Data Center Group or
        // IoT segment" is about Intel), or all of them when none is possessive.
        var required = analysis.Entities.Where(e => e.Possessive).ToList();
        if (required.Count == 0) required = [.. analysis.Entities];
        // "Who delivered the Gettysburg Address?", "When was the Master Agreement signed?": the opening of a document
        // titled with the name answers for it, since its author and date stand at its head in words the question
        // does not use. Only for who made it and when: "Who is the CEO of Contoso?" still needs a passage about a CEO.
        bool asksForHead = analysis.AnswerType is AnswerType.Name or AnswerType.Date && required.Count > 0
            && analysis.TopicTerms.All(MakingVerbs.Contains);
        bool IsAbout(ReadPassage p) =>
            required.All(e => e.Possessive ? p.SupportsAsOwner(e) : p.Supports(e))
            && (analysis.TopicTerms.Count == 0 || analysis.TopicTerms.Any(p.HasTopicTerm) || asksForHead && p.OpensDocumentTitled(required));

        // 2. Every period must be one the documents cover (from a little before their dates to their dates), or
        // one that a passage about the question names: "the agreement ends on December 31, 2026".
        var dated = documents.Values.Where(d => d.Start is not null).ToList();
        foreach (var period in analysis.Periods)
        {
            if (dated.Count == 0 || dated.Any(d => Covers(d, period))) continue;
            if (read.Any(p => p.Mentions(period) && IsAbout(p))) continue;
            var start = dated.Min(d => d.Start!.Value);
            var end = dated.Max(d => d.End!.Value);
            return new EvidenceResult(analysis, [],
                $"the documents cover {MonthYear(start.AddDays(Period.DaySlack))} to {MonthYear(end.AddDays(-Period.DaySlack))}, not {period.Describe()}");
        }

        // 3. Only passages about the question's names and topic are evidence. Those whose document covers the
        // question's periods or whose text names them, then those about more of its names, come first; retrieval
        // order within. (A period after a document's date is no reason to drop it: a contract or a handbook still
        // holds after the day it was signed.)
        var supported = read
            .Where(IsAbout)
            .Select((p, i) => (Passage: p, Order: i,
                Names: analysis.Entities.Count(p.Supports),
                Exact: analysis.Periods.Count(p.NamesExactly),
                Periods: analysis.Periods.Count(period => SupportsPeriod(p, period))))
            .OrderByDescending(x => x.Exact)
            .ThenByDescending(x => x.Periods)
            .ThenByDescending(x => x.Names)
            .ThenBy(x => x.Order)
            .Select(x => x.Passage.Document?.Source is { } source ? x.Passage.Passage with { Source = source } : x.Passage.Passage)
            .Take(top)
            .ToList();
        if (supported.Count > 0) return new EvidenceResult(analysis, supported, null);

        var unsupported = required.FirstOrDefault(e => !read.Any(p => p.Supports(e)));
        var reason = unsupported is not null ? $"no passage found is about {unsupported.Text}"
            : required.Count > 0 ? $"no passage about {JoinAnd(required.Select(e => e.Text).ToList())} is about the question"
            : "no passage is about the question";
        return new EvidenceResult(analysis, [], reason);
    }

    /// <summary>The words that ask who made a document, or when: what its head (author line, date line) answers.</summary>
    private static readonly HashSet<string> MakingVerbs = new(StringComparer.Ordinal)
    {
        "write", "wrote", "written", "author", "authored", "deliver", "delivered", "give", "gave", "given", "sign", "signed",
        "publish", "published", "issue", "issued", "compose", "composed", "draft", "drafted", "create", "created", "date", "dated",
        "make", "made", "speak", "spoke", "spoken",
    };

    private bool SupportsPeriod(ReadPassage passage, Period period) =>
        passage.Document?.Start is null || Covers(passage.Document, period) || passage.Mentions(period);

    private bool Covers(DocumentSubject document, Period period) =>
        document.Start is { } start && document.End is { } end && period.Overlaps(start.AddMonths(-_options.LookbackMonths), end);

    /// <summary>Whether a document's title or opening names the entity, or some passage of the documents does.</summary>
    private async Task<bool> IsKnownAsync(string index, NamedEntity entity, IEnumerable<DocumentSubject> documents, IReadOnlyList<ReadPassage> read,
        SearchFilter filter, CancellationToken cancellationToken)
    {
        if (await NamesAsync(entity.Terms)) return true;
        // "Pride and Prejudice" is known when both are; "Apple and Microsoft" too.
        if (!entity.HasParts) return false;
        foreach (var part in entity.PartTerms)
            if (!await NamesAsync(part)) return false;
        return true;

        async Task<bool> NamesAsync(IReadOnlyList<string> phrase)
        {
            if (phrase.Count == 0) return true;
            if (documents.Any(d => d.Names(phrase)) || read.Any(p => p.Names(phrase))) return true;
            var hits = await store.KeywordSearchAsync(index, string.Join(' ', phrase), _options.ProbeDepth, filter, cancellationToken);
            return hits.Any(h => Terms.Names([.. KeywordAnalyzer.Terms(h.Text), .. KeywordAnalyzer.Terms(h.Heading)], phrase));
        }
    }

    private static string MonthYear(DateOnly date) => date.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    private static string JoinOr(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    private static string JoinAnd(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1];

    /// <summary>A retrieved passage with its terms and its document's subject.</summary>
    private sealed class ReadPassage(Passage passage, DocumentSubject? document)
    {
        private readonly List<string> _terms = KeywordAnalyzer.Terms(passage.Text);
        private readonly List<string> _headingTerms = KeywordAnalyzer.Terms(passage.Heading);
        private HashSet<string>? _set;
        private IReadOnlyList<Period>? _periods;

        public Passage Passage { get; } = passage;
        public DocumentSubject? Document { get; } = document;
        public HashSet<string> Terms => _set ??= [.. _terms, .. _headingTerms];

        public bool Names(IReadOnlyList<string> phrase) =>
            Understanding.Terms.Names([.. _terms, .. _headingTerms], phrase) || Document?.Names(phrase) == true;

        public bool Supports(NamedEntity entity) => entity.IsNamedBy(Names);

        /// <summary>Whether the passage is among its document's opening chunks and the document's title names every one of the entities.</summary>
        public bool OpensDocumentTitled(IReadOnlyList<NamedEntity> entities) =>
            Document is { } document && Passage.Ordinal < DocumentSubjects.OpeningChunks
            && entities.All(e => e.IsNamedBy(phrase => Understanding.Terms.Names(document.TitleTerms, phrase)));

        /// <summary>
        /// For a name the question asks about as an owner ("Oracle's revenue"): the passage's document is about it, or
        /// the passage names it as an owner too. A report that mentions a partner ("a partnership with Oracle") does
        /// not hold the partner's own figures.
        /// </summary>
        public bool SupportsAsOwner(NamedEntity entity) =>
            Document is null ? Supports(entity) : entity.IsNamedBy(Document.Names) || NamesAsOwner(entity.Text);

        private bool NamesAsOwner(string name)
        {
            var owner = name.TrimEnd('\'', '\u2019', 's').Trim();
            if (owner.Length == 0) return false;
            foreach (var text in new[] { Passage.Text, Passage.Heading ?? "" })
                for (var at = text.IndexOf(owner, StringComparison.OrdinalIgnoreCase); at >= 0;
                     at = text.IndexOf(owner, at + 1, StringComparison.OrdinalIgnoreCase))
                {
                    var after = text.AsSpan(at + owner.Length);
                    if (after.StartsWith("'s", StringComparison.OrdinalIgnoreCase) || after.StartsWith("\u2019s", StringComparison.OrdinalIgnoreCase)
                        || after.StartsWith("s'", StringComparison.Ordinal) || after.StartsWith("s\u2019", StringComparison.Ordinal))
                        return true;
                }
            return false;
        }

        /// <summary>
        /// Whether the passage holds a topic term; a long word also by its first letters, since questions and
        /// documents word things differently ("expenditures" and "expenses", "acquisitions" and "acquired").
        /// </summary>
        public bool HasTopicTerm(string term) =>
            Terms.Contains(term) || term.Length >= LongWord && Terms.Any(t => t.StartsWith(term.AsSpan(0, StemLength), StringComparison.Ordinal));

        private const int LongWord = 8;
        private const int StemLength = 5;

        public bool Mentions(Period period) => (_periods ??= PeriodFinder.Find(Passage.Text)).Any(p => Matches(p, period));

        /// <summary>Whether the text names the very period asked about: that quarter of that year, that day, that month.</summary>
        public bool NamesExactly(Period asked) => (_periods ??= PeriodFinder.Find(Passage.Text)).Any(asked.IsNamedBy);

        /// <summary>
        /// Whether a period named in a text is the one asked about, at least as precisely: a day or a month asked
        /// about is named by that day or month (not by its year alone); a quarter, a half or a year by a period of that year.
        /// </summary>
        private static bool Matches(Period found, Period asked)
        {
            if (found.Start > asked.End || asked.Start > found.End) return false;
            return asked.Kind is PeriodKind.Date or PeriodKind.Month
                ? found.Kind is PeriodKind.Date or PeriodKind.Month
                : found.Year == asked.Year && (found.Kind != PeriodKind.Year || asked.Kind == PeriodKind.Year);
        }
    }
}
