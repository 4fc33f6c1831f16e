using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using DocQa.Core.Documents;
using DocQa.Core.Storage;
using DocQa.Core.Understanding;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Retrieval;

/// <summary>A search; <see cref="Top"/> null asks for <see cref="QueryLimits.DefaultTop"/> passages.</summary>
public sealed record SearchRequest(
    string Index,
    string Query,
    int? Top = null,
    RetrievalMode Mode = RetrievalMode.Hybrid,
    SearchFilter? Filter = null);

public sealed class RetrievalOptions
{
    public const string Section = "Retrieval";

    /// <summary>How many candidates each half of a hybrid search contributes to the fusion.</summary>
    [Range(1, 10_000)]
    public int CandidatesPerMode { get; set; } = 40;

    /// <summary>The k of reciprocal rank fusion: 1/(k + rank). 60 is the value from the original RRF paper.</summary>
    [Range(1, 10_000)]
    public int RrfK { get; set; } = 60;

    /// <summary>
    /// How many of the keyword list's best passages take part in a hybrid fusion (0: as many as the vector list).
    /// BM25 finds the right words in the wrong documents more often than embeddings do, so fewer of its passages
    /// are let in than of the vector list's.
    /// </summary>
    [Range(0, 10_000)]
    public int KeywordCandidates { get; set; }

    /// <summary>
    /// In a hybrid search, keyword passages count only from documents that the vector list also found: BM25
    /// matches the words of a question in every document that uses them, while the embeddings, which read each
    /// passage with its document's title, are better at telling which document a question is about.
    /// </summary>
    public bool KeywordWithinVectorDocuments { get; set; }

    /// <summary>How much the vector list counts in the fusion.</summary>
    [Range(0.0, 100.0)]
    public double VectorWeight { get; set; } = 1.0;

    /// <summary>
    /// How much the keyword (BM25) list counts in the fusion. Below the vector list's: on the SEC 10-Q evaluation,
    /// 0.3 gave the best answer recall@5 (0.370 against 0.327 at 1.0) for a docHit@5 of 0.826 (0.754 at 1.0).
    /// </summary>
    [Range(0.0, 100.0)]
    public double KeywordWeight { get; set; } = 0.3;

    /// <summary>
    /// How many of the keyword list's first passages may form its lead (0: no lead), which a hybrid search puts first:
    /// those that hold the whole query as a phrase (unless more passages than this do) and those above a drop of
    /// <see cref="KeywordLeadRatio"/> in the BM25 scores. The fixed <see cref="KeywordWeight"/> suits questions, on
    /// which neither list is sure; an exact match ("Four score and seven years ago", "7.19 billion") is a case where
    /// the keyword list is sure, and the vector list's near misses would otherwise outrank it.
    /// </summary>
    [Range(0, 1000)]
    public int KeywordLeadWindow { get; set; } = 5;

    /// <summary>
    /// How steep a drop between neighbouring BM25 scores must be (the ratio of one to the next) to set the passages
    /// above it apart as the keyword lead; 0: the scores never do. Such a drop means those passages hold the query's
    /// rare terms and the rest do not ("7.19 billion": 8.96, 8.75, 7.89, then 3.64; "Four score and seven years ago":
    /// 25.7, then 13.9). Questions rarely make one: on the SEC 10-Q evaluation no question's keyword list drops by
    /// more than 1.34, so its figures are the same as without a lead.
    /// </summary>
    [Range(0.0, 1000.0)]
    public double KeywordLeadRatio { get; set; } = 1.5;

    /// <summary>
    /// How many of the best passages (in fused order) of the document that both lists point to go first in a hybrid
    /// search; 0: none. Which document that is, the keyword list decides more than which passage: see
    /// <see cref="DocumentKeywordWeight"/>. On the SEC 10-Q evaluation, 3 raised docHit@1 from 0.821 to 0.897 and
    /// MRR@10 from 0.876 to 0.922, beyond the keyword list's own 0.882 and 0.907, and answer recall@5 from 0.401 to
    /// 0.409; 1 and 2 gave a docHit@1 of 0.892, 4 and 5 the same 0.897 but a lower docHit@5 (0.959, 0.954 against 0.964).
    /// </summary>
    [Range(0, 1000)]
    public int DocumentLead { get; set; } = 3;

    /// <summary>
    /// How much the keyword list counts against the fused list when documents, each at the rank of its best passage,
    /// are fused to choose the leading document. More than in the passage fusion: documents of one kind (the reports
    /// of several quarters, the versions of a manual) differ in names and numbers (in their titles, which every chunk
    /// carries), which BM25 matches exactly and embeddings blur, while within a document the embeddings find the passage
    /// better. On the SEC 10-Q evaluation docHit@1 was 0.882 at 1.2, 0.892 at 1.5, 0.897 at 2 and 3, 0.903 at 5.
    /// </summary>
    [Range(0.0, 100.0)]
    public double DocumentKeywordWeight { get; set; } = 2.0;

    /// <summary>Share of a passage's word trigrams found in a better-ranked passage above which it counts as a near duplicate.</summary>
    [Range(0.0, 1.0)]
    public double NearDuplicateContainment { get; set; } = 0.6;

    /// <summary>
    /// Passages of documents whose subject (title and opening page) names the question's entities, and whose dates
    /// match the days or months it asks about, go before the others (each group in fused order).
    /// </summary>
    public bool PreferSubjectDocuments { get; set; } = true;

    /// <summary>
    /// With <see cref="PreferSubjectDocuments"/>: when fewer passages than asked for come from the documents most about
    /// the question's subject, those documents are searched on their own as well.
    /// </summary>
    public bool SearchSubjectDocuments { get; set; } = true;

    /// <summary>
    /// When a question asks across periods ("over time", "in each quarter"), the best passage of each document about
    /// its subject found among the first <see cref="SpreadWindow"/> goes first, so that every period has its say.
    /// </summary>
    public bool SpreadAcrossDocuments { get; set; } = true;

    /// <summary>
    /// When a question names one quarter, the document whose passages name that very quarter is searched on its own
    /// and its best <see cref="PeriodDocumentLead"/> passages go first.
    /// </summary>
    public bool FocusOnPeriodDocument { get; set; } = true;

    [Range(0, 1000)]
    public int PeriodDocumentLead { get; set; } = 3;

    /// <summary>How deep into the ranking documents are looked for when spreading or focusing a question.</summary>
    [Range(1, 10_000)]
    public int SpreadWindow { get; set; } = 20;

    /// <summary>
    /// A passage comes with the text around its chunk on the same pages, up to this many characters in all (0: the
    /// chunk alone); see <see cref="PassageContext"/>. Chunks stay small for matching, while an answer needs the
    /// table's other rows and the sentence before.
    /// </summary>
    [Range(0, 100_000)]
    public int ContextChars { get; set; } = 2400;
}

/// <summary>
/// Hybrid retrieval: vector and BM25 result lists fused by reciprocal rank fusion, the leading document's best passages
/// and the keyword list's exact matches put first, near duplicates collapsed.
/// </summary>
public sealed class Retriever(
    ISearchIndex store,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    IOptions<RetrievalOptions> options,
    DocumentSubjects? subjects = null,
    EmbeddingSpaces? spaces = null,
    IHybridSearchStore? hybrid = null,
    IOptions<QueryLimits>? limits = null,
    IDocumentRecords? records = null)
{
    private readonly RetrievalOptions _options = options.Value;
    private readonly QueryLimits _limits = limits?.Value ?? new QueryLimits();
    private readonly PassageContext? _context = records is null || options.Value.ContextChars <= 0 ? null : new PassageContext(records, options.Value.ContextChars);

    /// <summary>While documents still carry an older model's vectors (a model change being re-embedded).</summary>
    private bool SeveralModels => spaces is not null && spaces.HasOlderModels;

    /// <summary>
    /// Searches for a client: the request is checked against the Limits first, and refused with the reason. The
    /// passages come with the text around them.
    /// </summary>
    public async Task<IReadOnlyList<Passage>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        IndexNames.Require(request.Index);
        var checkedRequest = request with
        {
            Query = _limits.RequireText(request.Query, "query"),
            Top = _limits.CheckTop(request.Top),
            Mode = QueryLimits.CheckMode(request.Mode),
        };
        var top = checkedRequest.Top!.Value;
        var ranked = await RankAsync(checkedRequest, WideningCandidates(top), cancellationToken);
        return await WidenAsync(request.Index, ranked, top, cancellationToken);
    }

    /// <summary>How many ranked passages to widen so that <paramref name="top"/> remain when some fall within the windows of better ones.</summary>
    internal int WideningCandidates(int top) => _context is null ? top : top * 2;

    /// <summary>The first <paramref name="top"/> passages with the text around them, those already within a better one's window left out.</summary>
    internal Task<IReadOnlyList<Passage>> WidenAsync(string index, IReadOnlyList<Passage> ranked, int top, CancellationToken cancellationToken) =>
        _context is null ? Task.FromResult<IReadOnlyList<Passage>>(ranked.Take(top).ToList()) : _context.WidenAsync(index, ranked, top, cancellationToken);

    /// <summary>
    /// For the services of this library that have checked their own request: the best <paramref name="top"/> passages,
    /// which may be more than a client may ask for (the answerer reads more candidates than it cites).
    /// </summary>
    internal async Task<IReadOnlyList<Passage>> RankAsync(SearchRequest request, int top, CancellationToken cancellationToken = default)
    {
        using var activity = DocQaTelemetry.Source.StartActivity("search");
        activity?.SetTag("docqa.index", request.Index);
        activity?.SetTag("docqa.mode", request.Mode.ToString());

        var filter = request.Filter ?? SearchFilter.None;
        // Ask each half for more than we return: duplicates are collapsed afterwards, and fusion needs depth.
        var depth = Math.Max(_options.CandidatesPerMode, top * 3);

        var vectors = new QueryVectors(request.Query, cancellationToken);
        var ranked = await FuseAsync(request, vectors, depth, filter, cancellationToken);
        if (ranked.Count > 0 && (_options.PreferSubjectDocuments || _options.SpreadAcrossDocuments))
        {
            var analysis = QuestionAnalyzer.Analyze(request.Query);
            var matches = _options.PreferSubjectDocuments && subjects is not null
                ? await SubjectMatchesAsync(request.Index, analysis, cancellationToken)
                : null;
            int Match(Passage passage) => matches?.GetValueOrDefault(passage.DocumentId) ?? 0;
            if (matches is not null && _options.SearchSubjectDocuments)
                ranked = await AddFromSubjectDocumentsAsync(request, matches, ranked, top, vectors, depth, filter, cancellationToken);
            if (matches is not null)
                ranked = ranked.Select((passage, i) => (passage, i)).OrderByDescending(x => Match(x.passage)).ThenBy(x => x.i).Select(x => x.passage).ToList();
            if (_options.FocusOnPeriodDocument && !analysis.AcrossPeriods)
                ranked = await FocusOnPeriodDocumentAsync(request, analysis, ranked, Match, vectors, depth, filter, cancellationToken);
            if (_options.SpreadAcrossDocuments && analysis.AcrossPeriods)
                ranked = SpreadAcrossDocuments(ranked, Match);
        }
        return NearDuplicates.Collapse(ranked, top, _options.NearDuplicateContainment);
    }

    /// <summary>Vector, keyword or both fused: the candidates before anything about the question's meaning reorders them.</summary>
    private async Task<IReadOnlyList<Passage>> FuseAsync(SearchRequest request, QueryVectors vectors, int depth, SearchFilter filter, CancellationToken cancellationToken)
    {
        IReadOnlyList<Passage> ranked;
        switch (request.Mode)
        {
            case RetrievalMode.Vector:
                ranked = await VectorAsync(request, vectors, depth, filter, cancellationToken);
                break;
            case RetrievalMode.Keyword:
                ranked = await store.KeywordSearchAsync(request.Index, request.Query, depth, filter, cancellationToken);
                break;
            case RetrievalMode.Hybrid when hybrid is not null && !_options.KeywordWithinVectorDocuments && !SeveralModels:
                // The store fuses both lists itself, in one round trip.
                var queryVector = await vectors.Of(embedder);
                var fusion = new HybridFusion(depth, _options.KeywordCandidates > 0 ? Math.Min(depth, _options.KeywordCandidates) : depth,
                    _options.RrfK, _options.VectorWeight, _options.KeywordWeight);
                // The fused list comes without the keyword list, which a keyword search beside it gives.
                var beside = KeywordBesideAsync(request, fusion.KeywordCandidates, filter, cancellationToken);
                var fused = await hybrid.HybridSearchAsync(request.Index, request.Query, queryVector.Vector, depth, fusion, filter, cancellationToken);
                ranked = Lead(request.Query, fused, await beside, depth);
                break;
            default:
                var vector = VectorAsync(request, vectors, depth, filter, cancellationToken);
                var keywordDepth = _options.KeywordCandidates > 0 ? Math.Min(depth, _options.KeywordCandidates) : depth;
                var keyword = store.KeywordSearchAsync(request.Index, request.Query, keywordDepth, filter, cancellationToken);
                var vectorHits = await vector;
                var allKeywordHits = await keyword;
                var keywordHits = allKeywordHits;
                if (_options.KeywordWithinVectorDocuments)
                {
                    var documents = vectorHits.Select(p => p.DocumentId).ToHashSet();
                    keywordHits = keywordHits.Where(p => documents.Contains(p.DocumentId)).ToList();
                }
                ranked = ReciprocalRankFusion.Fuse([vectorHits, keywordHits], _options.RrfK, [_options.VectorWeight, _options.KeywordWeight]);
                ranked = Lead(request.Query, ranked, allKeywordHits, depth);
                break;
        }
        return ranked;
    }

    /// <summary>
    /// A question about one quarter ("the first quarter of fiscal 2024") is answered by the report of that quarter,
    /// which names it, while the other reports rank as high with their own quarters' figures. The document whose
    /// passages near the top name the very quarter asked about is searched again on its own, and its best passages
    /// go first.
    /// </summary>
    private async Task<IReadOnlyList<Passage>> FocusOnPeriodDocumentAsync(SearchRequest request, QuestionAnalysis analysis, IReadOnlyList<Passage> ranked,
        Func<Passage, int> match, QueryVectors vectors, int depth, SearchFilter filter, CancellationToken cancellationToken)
    {
        var asked = analysis.Periods.Where(p => p.Kind == PeriodKind.Quarter).ToList();
        if (asked.Count != 1 || analysis.Periods.Count != 1) return ranked;
        var subject = match(ranked[0]);
        var naming = ranked.Take(_options.SpreadWindow)
            .Where(p => match(p) == subject && PeriodFinder.Find(p.Text).Any(asked[0].IsNamedBy))
            .GroupBy(p => p.DocumentId)
            .OrderByDescending(g => g.Count())
            .FirstOrDefault();
        if (naming is null) return ranked;

        var within = await FuseAsync(request, vectors, depth, filter with { DocumentIds = [naming.Key] }, cancellationToken);
        var lead = within.Take(_options.PeriodDocumentLead).ToList();
        var led = lead.Select(p => p.ChunkId).ToHashSet(StringComparer.Ordinal);
        return [.. lead, .. ranked.Where(p => !led.Contains(p.ChunkId))];
    }

    /// <summary>
    /// The documents most about what the question names ("Microsoft's …": the Microsoft reports) are searched on their
    /// own when the candidates hold fewer than <paramref name="top"/> of their passages, and what that finds joins the
    /// candidates. A report seldom repeats its company's name in its text, so a word search for the question can miss
    /// all of its passages while other companies' reports match the rest of the question's words.
    /// </summary>
    private async Task<IReadOnlyList<Passage>> AddFromSubjectDocumentsAsync(SearchRequest request, Dictionary<string, int> matches,
        IReadOnlyList<Passage> ranked, int top, QueryVectors vectors, int depth, SearchFilter filter, CancellationToken cancellationToken)
    {
        var best = matches.Values.Max();
        if (best == 0) return ranked;
        var documents = matches.Where(m => m.Value == best && (filter.DocumentIds.Count == 0 || filter.DocumentIds.Contains(m.Key)))
            .Select(m => m.Key).ToList();
        if (documents.Count == 0 || documents.Count == matches.Count || ranked.Count(p => matches.GetValueOrDefault(p.DocumentId) == best) >= top)
            return ranked;

        var within = await FuseAsync(request, vectors, depth, filter with { DocumentIds = documents }, cancellationToken);
        var known = ranked.Select(p => p.ChunkId).ToHashSet(StringComparer.Ordinal);
        return [.. ranked, .. within.Where(p => known.Add(p.ChunkId))];
    }

    /// <summary>
    /// How much each document is about what the question names: its entities named by the document's title, opening
    /// or metadata (title, organisation), its exact dates within the document's period, and its quarter the one the
    /// document's metadata names. Null when the question names none of these.
    /// </summary>
    private async Task<Dictionary<string, int>?> SubjectMatchesAsync(string index, QuestionAnalysis analysis, CancellationToken cancellationToken)
    {
        var dates = analysis.Periods.Where(p => p.Kind is PeriodKind.Date or PeriodKind.Month).ToList();
        var quarters = analysis.Periods.Where(p => p.Kind == PeriodKind.Quarter).ToList();
        var latest = analysis.WantsLatest && !analysis.AcrossPeriods;
        if (analysis.Entities.Count == 0 && dates.Count == 0 && quarters.Count == 0 && !latest) return null;

        var documents = await subjects!.ListAsync(index, cancellationToken);
        var matches = documents.ToDictionary(
            subject => subject.DocumentId,
            subject => analysis.Entities.Count(e => e.IsNamedBy(subject.Names))
                + dates.Count(d => subject.Start is { } start && subject.End is { } end && d.Overlaps(start, end))
                + quarters.Count(q => subject.Quarter is { } named && named.Quarter == q.Quarter && named.Year == q.Year),
            StringComparer.Ordinal);
        if (latest && matches.Count > 0)
        {
            // "The latest report": the newest of the documents most about the question's subject.
            var best = matches.Values.Max();
            var newest = documents.Where(d => matches[d.DocumentId] == best && d.End is not null).Select(d => d.End).Max();
            foreach (var document in documents.Where(d => newest is not null && matches[d.DocumentId] == best && d.End == newest))
                matches[document.DocumentId]++;
        }
        return matches;
    }

    /// <summary>
    /// The best passage of each document found near the top, and as much about the question's subject as the first
    /// passage, ahead of the rest; the order is kept within both.
    /// </summary>
    private IReadOnlyList<Passage> SpreadAcrossDocuments(IReadOnlyList<Passage> ranked, Func<Passage, int> match)
    {
        var subject = match(ranked[0]);
        var documents = new HashSet<string>(StringComparer.Ordinal);
        var leads = ranked.Take(_options.SpreadWindow).Where(p => match(p) == subject && documents.Add(p.DocumentId)).ToList();
        if (leads.Count < 2) return ranked;
        var isLead = leads.ToHashSet(ReferenceEqualityComparer.Instance);
        return [.. leads, .. ranked.Where(p => !isLead.Contains(p))];
    }

    /// <summary>
    /// What the keyword list decides beyond its weight in the fusion: the leading document's best passages first, and
    /// its own lead (an exact match) before them, however the vector list ranks either.
    /// </summary>
    private IReadOnlyList<Passage> Lead(string query, IReadOnlyList<Passage> fused, IReadOnlyList<Passage> keywordHits, int depth)
    {
        var ranked = LeadingDocument.First(fused, keywordHits, depth, _options.RrfK, _options.DocumentKeywordWeight, _options.DocumentLead);
        return KeywordLead.First(ranked, keywordHits, query, _options.KeywordLeadRatio, _options.KeywordLeadWindow);
    }

    /// <summary>The keyword list for <see cref="Lead"/> beside a store's own fusion: as deep as its keyword candidates, or the lead's window and one.</summary>
    private async Task<IReadOnlyList<Passage>> KeywordBesideAsync(SearchRequest request, int keywordCandidates, SearchFilter filter, CancellationToken cancellationToken)
    {
        var depth = _options.DocumentLead > 0 ? keywordCandidates : _options.KeywordLeadWindow > 0 ? _options.KeywordLeadWindow + 1 : 0;
        return depth > 0 ? await store.KeywordSearchAsync(request.Index, request.Query, depth, filter, cancellationToken) : [];
    }

    private async Task<IReadOnlyList<Passage>> VectorAsync(SearchRequest request, QueryVectors vectors, int depth, SearchFilter filter, CancellationToken cancellationToken)
    {
        if (!SeveralModels)
        {
            var embedding = await vectors.Of(embedder);
            return await store.VectorSearchAsync(request.Index, embedding.Vector, depth, filter, cancellationToken);
        }

        // Each model's documents are searched with the question embedded by that model. The lists are merged by
        // cosine: two models' cosines are not calibrated alike, but a merge by rank would put each list's best passage
        // level with the others' however poorly it matches, and the mix lasts only while the documents move.
        var lists = await Task.WhenAll(spaces!.Searchable().Select(async space =>
        {
            var embedding = await vectors.Of(space.Generator);
            return await store.VectorSearchAsync(request.Index, embedding.Vector, depth, filter with { EmbeddingModel = space.Model }, cancellationToken);
        }));
        return lists.SelectMany(list => list).OrderByDescending(p => p.Score).Take(depth).ToList();
    }
}

/// <summary>A search's question embedded once per model, however many searches the retriever runs for it.</summary>
internal sealed class QueryVectors(string query, CancellationToken cancellationToken)
{
    private readonly Dictionary<IEmbeddingGenerator<string, Embedding<float>>, Task<Embedding<float>>> _vectors = new(ReferenceEqualityComparer.Instance);

    public Task<Embedding<float>> Of(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        lock (_vectors)
        {
            if (!_vectors.TryGetValue(generator, out var vector))
                _vectors[generator] = vector = generator.EmbedQueryAsync(query, cancellationToken);
            return vector;
        }
    }
}

/// <summary>Reciprocal rank fusion: each list adds 1/(k + rank) to a passage's score; ranks, not raw scores, so BM25 and cosine mix.</summary>
public static class ReciprocalRankFusion
{
    /// <param name="weights">How much each list counts (weighted RRF); all 1 when null.</param>
    public static IReadOnlyList<Passage> Fuse(IReadOnlyList<IReadOnlyList<Passage>> lists, int k, IReadOnlyList<double>? weights = null)
    {
        var fused = new Dictionary<string, (Passage Passage, double Score, int FirstSeen)>();
        var order = 0;
        for (var l = 0; l < lists.Count; l++)
        {
            var list = lists[l];
            var weight = weights?[l] ?? 1.0;
            for (var rank = 0; rank < list.Count; rank++)
            {
                var passage = list[rank];
                var contribution = weight / (k + rank + 1);
                fused[passage.ChunkId] = fused.TryGetValue(passage.ChunkId, out var seen)
                    ? (seen.Passage, seen.Score + contribution, seen.FirstSeen)
                    : (passage, contribution, order++);
            }
        }
        return fused.Values
            .OrderByDescending(entry => entry.Score)
            .ThenBy(entry => entry.FirstSeen)
            .Select(entry => entry.Passage with { Score = entry.Score })
            .ToList();
    }
}

/// <summary>
/// The passages at the head of a keyword list that stand clear of the rest: those holding the whole query as a phrase
/// (its terms in order), unless the phrase is common, and those above the steepest drop between neighbouring BM25
/// scores, when that drop is steep enough. BM25 scores are only comparable within one query, so the drop is a ratio;
/// it grows with the index, since a rare term weighs more among many passages, while a phrase tells as much in a small one.
/// </summary>
public static class KeywordLead
{
    /// <summary>The lead of <paramref name="keywordHits"/> (best first), in keyword order; empty when none stands clear.</summary>
    public static IReadOnlyList<Passage> Of(IReadOnlyList<Passage> keywordHits, string query, double ratio, int window)
    {
        if (window <= 0 || keywordHits.Count == 0) return [];
        var head = keywordHits.Take(window + 1).ToList();
        var phrase = KeywordAnalyzer.Terms(query);
        var holders = phrase.Count >= 2 ? head.Where(p => HoldsPhrase(p.Text, phrase)).ToList() : [];
        // A phrase that more passages hold than the window is common, not decisive.
        var inLead = new HashSet<Passage>(holders.Count > window ? [] : holders, ReferenceEqualityComparer.Instance);
        inLead.UnionWith(head.Take(AboveSteepestDrop(head, ratio, window)));
        return head.Where(inLead.Contains).ToList();
    }

    /// <summary>
    /// <paramref name="ranked"/> with the keyword lead first, in the order <paramref name="ranked"/> gives them; a lead
    /// passage missing from it follows those found, from the keyword list.
    /// </summary>
    public static IReadOnlyList<Passage> First(IReadOnlyList<Passage> ranked, IReadOnlyList<Passage> keywordHits, string query, double ratio, int window)
    {
        var lead = Of(keywordHits, query, ratio, window);
        if (lead.Count == 0) return ranked;
        var leadIds = lead.Select(p => p.ChunkId).ToHashSet(StringComparer.Ordinal);
        var found = ranked.Where(p => leadIds.Contains(p.ChunkId)).ToList();
        var foundIds = found.Select(p => p.ChunkId).ToHashSet(StringComparer.Ordinal);
        return [.. found, .. lead.Where(p => !foundIds.Contains(p.ChunkId)), .. ranked.Where(p => !leadIds.Contains(p.ChunkId))];
    }

    /// <summary>How many passages stand above the steepest drop of at least <paramref name="ratio"/> within the first <paramref name="window"/>; 0 when none is that steep.</summary>
    private static int AboveSteepestDrop(IReadOnlyList<Passage> head, double ratio, int window)
    {
        if (ratio <= 0 || head[0].Score <= 0) return 0;
        // The only passage that holds any of the query's terms leads on its own.
        if (head.Count == 1) return 1;
        var (count, steepest) = (0, ratio);
        for (var i = 0; i + 1 < Math.Min(window + 1, head.Count); i++)
        {
            var drop = head[i + 1].Score > 0 ? head[i].Score / head[i + 1].Score : double.PositiveInfinity;
            if (drop >= steepest) (count, steepest) = (i + 1, drop);
        }
        return count;
    }

    /// <summary>Whether the text's terms hold <paramref name="phrase"/> as a run (stop-words aside, as the keyword index sees them).</summary>
    private static bool HoldsPhrase(string text, IReadOnlyList<string> phrase)
    {
        var terms = KeywordAnalyzer.Terms(text);
        for (var start = 0; start + phrase.Count <= terms.Count; start++)
        {
            var i = 0;
            while (i < phrase.Count && terms[start + i] == phrase[i]) i++;
            if (i == phrase.Count) return true;
        }
        return false;
    }
}

/// <summary>
/// The document both lists point to: documents ranked by their best passage in the fused list and in the keyword list,
/// fused again by reciprocal rank fusion with the keyword list weighted as given.
/// </summary>
public static class LeadingDocument
{
    /// <summary>
    /// <paramref name="fused"/> with the leading document's first <paramref name="count"/> passages in it first. The
    /// fused list votes with its first <paramref name="depth"/> passages, as many as a store's own fusion returns.
    /// </summary>
    public static IReadOnlyList<Passage> First(IReadOnlyList<Passage> fused, IReadOnlyList<Passage> keywordHits, int depth, int k, double keywordWeight, int count)
    {
        if (count <= 0 || fused.Count == 0 || keywordHits.Count == 0) return fused;
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(IReadOnlyList<Passage> ranked, double weight)
        {
            var rank = 0;
            foreach (var document in ranked.Select(p => p.DocumentId).Distinct(StringComparer.Ordinal))
                scores[document] = scores.GetValueOrDefault(document) + weight / (k + ++rank);
        }
        Add(fused.Take(depth).ToList(), 1.0);
        Add(keywordHits, keywordWeight);
        // On a tie the fused list's order decides: its documents were added first.
        var leading = scores.MaxBy(entry => entry.Value).Key;
        var lead = fused.Where(p => p.DocumentId == leading).Take(count).ToHashSet(ReferenceEqualityComparer.Instance);
        return [.. fused.Where(lead.Contains), .. fused.Where(p => !lead.Contains(p))];
    }
}

/// <summary>Drops passages whose text is mostly contained in a better-ranked one (overlapping chunks, the same file uploaded twice).</summary>
public static class NearDuplicates
{
    public static IReadOnlyList<Passage> Collapse(IReadOnlyList<Passage> ranked, int top, double containment)
    {
        var kept = new List<(Passage Passage, HashSet<int> Shingles)>(top);
        foreach (var passage in ranked)
        {
            if (kept.Count == top) break;
            var shingles = Shingles(passage.Text);
            var duplicate = kept.Any(k => Containment(shingles, k.Shingles) >= containment);
            if (!duplicate) kept.Add((passage, shingles));
        }
        return kept.Select(k => k.Passage).ToList();
    }

    private static double Containment(HashSet<int> candidate, HashSet<int> keptShingles)
    {
        if (candidate.Count == 0) return 0;
        var shared = candidate.Count(keptShingles.Contains);
        return (double)shared / Math.Min(candidate.Count, Math.Max(1, keptShingles.Count));
    }

    /// <summary>Hashes of consecutive word triples, lower-cased.</summary>
    private static HashSet<int> Shingles(string text)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var set = new HashSet<int>();
        for (var i = 0; i + 2 < words.Length; i++)
        {
            var hash = HashCode.Combine(
                StringComparer.OrdinalIgnoreCase.GetHashCode(words[i]),
                StringComparer.OrdinalIgnoreCase.GetHashCode(words[i + 1]),
                StringComparer.OrdinalIgnoreCase.GetHashCode(words[i + 2]));
            set.Add(hash);
        }
        return set;
    }
}
