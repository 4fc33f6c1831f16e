using System.Diagnostics;
using DocQa.Core.Storage;
using DocQa.Core.Understanding;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Retrieval;

public sealed record SearchRequest(
    string Index,
    string Query,
    int Top = 5,
    RetrievalMode Mode = RetrievalMode.Hybrid,
    SearchFilter? Filter = null);

public sealed class RetrievalOptions
{
    /// <summary>How many candidates each half of a hybrid search contributes to the fusion.</summary>
    public int CandidatesPerMode { get; set; } = 40;

    /// <summary>The k of reciprocal rank fusion: 1/(k + rank). 60 is the value from the original RRF paper.</summary>
    public int RrfK { get; set; } = 60;

    /// <summary>
    /// How many of the keyword list's best passages take part in a hybrid fusion (0: as many as the vector list).
    /// BM25 finds the right words in the wrong documents more often than embeddings do, so fewer of its passages
    /// are let in than of the vector list's.
    /// </summary>
    public int KeywordCandidates { get; set; }

    /// <summary>
    /// In a hybrid search, keyword passages count only from documents that the vector list also found: BM25
    /// matches the words of a question in every document that uses them, while the embeddings, which read each
    /// passage with its document's title, are better at telling which document a question is about.
    /// </summary>
    public bool KeywordWithinVectorDocuments { get; set; }

    /// <summary>How much the vector list counts in the fusion.</summary>
    public double VectorWeight { get; set; } = 1.0;

    /// <summary>
    /// How much the keyword (BM25) list counts in the fusion. Below the vector list's: on the SEC 10-Q evaluation,
    /// 0.3 gave the best answer recall@5 (0.370 against 0.327 at 1.0) for a docHit@5 of 0.826 (0.754 at 1.0).
    /// </summary>
    public double KeywordWeight { get; set; } = 0.3;

    /// <summary>Share of a passage's word trigrams found in a better-ranked passage above which it counts as a near duplicate.</summary>
    public double NearDuplicateContainment { get; set; } = 0.6;

    public int MaxTop { get; set; } = 50;

    /// <summary>
    /// Passages of documents whose subject (title and opening page) names the question's entities, and whose dates
    /// match the days or months it asks about, go before the others (each group in fused order).
    /// </summary>
    public bool PreferSubjectDocuments { get; set; } = true;

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

    public int PeriodDocumentLead { get; set; } = 3;

    /// <summary>How deep into the ranking documents are looked for when spreading or focusing a question.</summary>
    public int SpreadWindow { get; set; } = 20;
}

/// <summary>Hybrid retrieval: vector and BM25 result lists fused by reciprocal rank fusion, near duplicates collapsed.</summary>
public sealed class Retriever(
    IDocumentStore store,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    IOptions<RetrievalOptions> options,
    DocumentSubjects? subjects = null,
    EmbeddingSpaces? spaces = null)
{
    private readonly RetrievalOptions _options = options.Value;

    /// <summary>While documents still carry an older model's vectors (a model change being re-embedded).</summary>
    private bool SeveralModels => spaces is not null && spaces.OlderModels.Count > 0;

    public async Task<IReadOnlyList<Passage>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        using var activity = DocQaTelemetry.Source.StartActivity("search");
        activity?.SetTag("docqa.index", request.Index);
        activity?.SetTag("docqa.mode", request.Mode.ToString());

        var top = Math.Clamp(request.Top, 1, _options.MaxTop);
        var filter = request.Filter ?? SearchFilter.None;
        // Ask each half for more than we return: duplicates are collapsed afterwards, and fusion needs depth.
        var depth = Math.Max(_options.CandidatesPerMode, top * 3);

        var ranked = await FuseAsync(request, depth, filter, cancellationToken);
        if (ranked.Count > 0 && (_options.PreferSubjectDocuments || _options.SpreadAcrossDocuments))
        {
            var analysis = QuestionAnalyzer.Analyze(request.Query);
            var matches = _options.PreferSubjectDocuments && subjects is not null
                ? await SubjectMatchesAsync(request.Index, analysis, cancellationToken)
                : null;
            int Match(Passage passage) => matches?.GetValueOrDefault(passage.DocumentId) ?? 0;
            if (matches is not null)
                ranked = ranked.Select((passage, i) => (passage, i)).OrderByDescending(x => Match(x.passage)).ThenBy(x => x.i).Select(x => x.passage).ToList();
            if (_options.FocusOnPeriodDocument && !analysis.AcrossPeriods)
                ranked = await FocusOnPeriodDocumentAsync(request, analysis, ranked, Match, depth, filter, cancellationToken);
            if (_options.SpreadAcrossDocuments && analysis.AcrossPeriods)
                ranked = SpreadAcrossDocuments(ranked, Match);
        }
        return NearDuplicates.Collapse(ranked, top, _options.NearDuplicateContainment);
    }

    /// <summary>Vector, keyword or both fused: the candidates before anything about the question's meaning reorders them.</summary>
    private async Task<IReadOnlyList<Passage>> FuseAsync(SearchRequest request, int depth, SearchFilter filter, CancellationToken cancellationToken)
    {
        IReadOnlyList<Passage> ranked;
        switch (request.Mode)
        {
            case RetrievalMode.Vector:
                ranked = await VectorAsync(request, depth, filter, cancellationToken);
                break;
            case RetrievalMode.Keyword:
                ranked = await store.KeywordSearchAsync(request.Index, request.Query, depth, filter, cancellationToken);
                break;
            case RetrievalMode.Hybrid when store is IHybridSearchStore hybrid && !_options.KeywordWithinVectorDocuments && !SeveralModels:
                // The store fuses both lists itself, in one round trip.
                var queryVector = await embedder.EmbedQueryAsync(request.Query, cancellationToken);
                var fusion = new HybridFusion(depth, _options.KeywordCandidates > 0 ? Math.Min(depth, _options.KeywordCandidates) : depth,
                    _options.RrfK, _options.VectorWeight, _options.KeywordWeight);
                ranked = await hybrid.HybridSearchAsync(request.Index, request.Query, queryVector.Vector, depth, fusion, filter, cancellationToken);
                break;
            default:
                var vector = VectorAsync(request, depth, filter, cancellationToken);
                var keywordDepth = _options.KeywordCandidates > 0 ? Math.Min(depth, _options.KeywordCandidates) : depth;
                var keyword = store.KeywordSearchAsync(request.Index, request.Query, keywordDepth, filter, cancellationToken);
                var vectorHits = await vector;
                IReadOnlyList<Passage> keywordHits = await keyword;
                if (_options.KeywordWithinVectorDocuments)
                {
                    var documents = vectorHits.Select(p => p.DocumentId).ToHashSet();
                    keywordHits = keywordHits.Where(p => documents.Contains(p.DocumentId)).ToList();
                }
                ranked = ReciprocalRankFusion.Fuse([vectorHits, keywordHits], _options.RrfK, [_options.VectorWeight, _options.KeywordWeight]);
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
        Func<Passage, int> match, int depth, SearchFilter filter, CancellationToken cancellationToken)
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

        var within = await FuseAsync(request, depth, filter with { DocumentIds = [naming.Key] }, cancellationToken);
        var lead = within.Take(_options.PeriodDocumentLead).ToList();
        var led = lead.Select(p => p.ChunkId).ToHashSet(StringComparer.Ordinal);
        return [.. lead, .. ranked.Where(p => !led.Contains(p.ChunkId))];
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

    private async Task<IReadOnlyList<Passage>> VectorAsync(SearchRequest request, int depth, SearchFilter filter, CancellationToken cancellationToken)
    {
        if (!SeveralModels)
        {
            var embedding = await embedder.EmbedQueryAsync(request.Query, cancellationToken);
            return await store.VectorSearchAsync(request.Index, embedding.Vector, depth, filter, cancellationToken);
        }

        // Each model's documents are searched with the question embedded by that model. The lists are merged by
        // cosine: two models' cosines are not calibrated alike, but a merge by rank would put each list's best passage
        // level with the others' however poorly it matches, and the mix lasts only while the documents move.
        var lists = await Task.WhenAll(spaces!.Searchable().Select(async space =>
        {
            var embedding = await space.Generator.EmbedQueryAsync(request.Query, cancellationToken);
            return await store.VectorSearchAsync(request.Index, embedding.Vector, depth, filter with { EmbeddingModel = space.Model }, cancellationToken);
        }));
        return lists.SelectMany(list => list).OrderByDescending(p => p.Score).Take(depth).ToList();
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
