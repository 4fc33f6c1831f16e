using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Numerics.Tensors;
using DocQa.Core.Retrieval;
using DocQa.Core.Understanding;
using Microsoft.Extensions.AI;

namespace DocQa.Core.Answering;

/// <summary>Thresholds, weights and caps of <see cref="ExtractiveAnswerer"/>.</summary>
public sealed record ExtractiveAnswerOptions
{
    public const string Section = "Answers";

    /// <summary>Only the best passages are read for sentences.</summary>
    [Range(1, 1000)]
    public int MaxPassages { get; init; } = 6;

    /// <summary>The most candidate sentences embedded for one question.</summary>
    [Range(1, 100_000)]
    public int MaxCandidates { get; init; } = 80;

    /// <summary>The most sentences in an answer.</summary>
    [Range(1, 1000)]
    public int MaxSentences { get; init; } = 5;

    /// <summary>A sentence whose cosine with the question is below this is not relevant by meaning.</summary>
    [Range(-1.0, 1.0)]
    public double MinRelevance { get; init; } = 0.30;

    /// <summary>A sentence holding at least this share of the question's (weighted) terms is relevant by wording.</summary>
    [Range(0.0, 1.0)]
    public double MinTermCoverage { get; init; } = 0.5;

    [Range(0.0, 100.0)]
    public double SimilarityWeight { get; init; } = 1.0;
    [Range(0.0, 100.0)]
    public double TermWeight { get; init; } = 0.3;

    /// <summary>The bonus of a sentence from the first passage; it falls off linearly to nothing for the last.</summary>
    [Range(0.0, 100.0)]
    public double RankWeight { get; init; } = 0.05;

    /// <summary>
    /// The bonus of a sentence holding a figure when the question asks for a quantity ("how much", "total net
    /// sales"): the expected answer type of classic question answering.
    /// </summary>
    [Range(0.0, 100.0)]
    public double QuantityWeight { get; init; } = 0.15;

    /// <summary>
    /// The bonus of a table row whose label the question names, in proportion to the share of the label's words
    /// the question holds: "total net sales" asks for the row "Total net sales", not for "Mac" in the same table.
    /// </summary>
    [Range(0.0, 100.0)]
    public double LabelWeight { get; init; } = 0.25;

    /// <summary>The malus of a sentence about another period of the kind the question names ("third quarter" for "first quarter").</summary>
    [Range(0.0, 100.0)]
    public double OtherPeriodPenalty { get; init; } = 0.3;

    /// <summary>The bonus of a sentence whose passage names the very period the question asks about.</summary>
    [Range(0.0, 100.0)]
    public double AskedPeriodWeight { get; init; } = 0.1;

    /// <summary>The malus of a line that only introduces what follows ("… were as follows:"): it is no answer by itself.</summary>
    [Range(0.0, 100.0)]
    public double LeadInPenalty { get; init; } = 0.1;

    /// <summary>Further sentences join the answer only when they score within this of the best one.</summary>
    [Range(0.0, 10.0)]
    public double ExtraSentenceMargin { get; init; } = 0.2;

    /// <summary>
    /// A question across periods ("over time", "in each quarter") is answered with the best sentence of each
    /// document, up to this many documents, when it scores within <see cref="AcrossDocumentsMargin"/> of the best.
    /// </summary>
    [Range(1, 1000)]
    public int MaxDocuments { get; init; } = 5;

    [Range(0.0, 10.0)]
    public double AcrossDocumentsMargin { get; init; } = 0.25;

    /// <summary>Sentences whose embeddings have at least this cosine say the same thing; only one is used.</summary>
    [Range(0.0, 1.0)]
    public double DuplicateSimilarity { get; init; } = 0.92;

    /// <summary>Longer sentences are shortened in the answer (the citation keeps the whole passage).</summary>
    [Range(1, 1_000_000)]
    public int MaxSentenceChars { get; init; } = 600;
}

/// <summary>
/// Answers with the sentences of the retrieved passages that best match the question, each followed by the
/// [n] marker of its passage. A sentence scores its embedding cosine with the question, plus the share of the
/// question's content terms it holds (rarer terms weigh more), plus a small bonus for its passage's rank.
/// </summary>
public sealed class ExtractiveAnswerer(
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ExtractiveAnswerOptions? options = null) : IAnswerGenerator
{
    public const string NotFoundText = "I couldn't find an answer to that in the documents.";

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder =
        embedder ?? throw new ArgumentNullException(nameof(embedder));
    private readonly ExtractiveAnswerOptions _options = options ?? new ExtractiveAnswerOptions();

    public string Mode => AnswerModes.Extractive;

    public async Task<Answer> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(passages);

        var citations = passages
            .Select((p, i) => new Citation(i + 1, p.DocumentId, p.FileName, p.Page, p.PageEnd, p.Text, p.Score, Referenced: false))
            .ToList();
        if (passages.Count == 0)
            return NotFound("no passages matched the question", citations);
        if (string.IsNullOrWhiteSpace(question))
            return NotFound("the question is empty", citations);

        var analysis = QuestionAnalyzer.Analyze(question);
        // An acronym of the question reads as the passages define it: "R&D" matches "Research and development".
        question = Acronyms.Expand(question, Acronyms.Defined(passages.Select(p => p.Text)));
        var candidates = CollectCandidates(question, analysis, passages);
        if (candidates.Count == 0)
            return NotFound("the matching passages hold no readable sentences", citations);

        // The question is embedded as a search question and the sentences as passages, as retrieval does.
        var questionVector = await _embedder.EmbedQueryAsync(question, cancellationToken).ConfigureAwait(false);
        var sentenceVectors = await _embedder.GenerateAsync(
            candidates.Select(c => c.MatchText), options: null, cancellationToken).ConfigureAwait(false);
        if (sentenceVectors.Count != candidates.Count)
            throw new InvalidOperationException($"The embedding generator returned {sentenceVectors.Count} embeddings for {candidates.Count} texts.");
        GeneratedEmbeddings<Embedding<float>> embeddings = [questionVector, .. sentenceVectors];

        for (int i = 0; i < candidates.Count; i++)
            candidates[i].Vector = embeddings[i + 1].Vector;
        var periodAdjustments = PeriodAdjustments(analysis.Periods, candidates, passages);
        var main = Evaluate(question, analysis.AnswerType, analysis.Periods, candidates, questionVector.Vector);
        for (int i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            (c.Cosine, c.Coverage, c.Score, c.LabelBonus) = (main[i].Cosine, main[i].Coverage, main[i].Score + periodAdjustments[i], main[i].LabelBonus);
            c.AboutOtherPeriod = periodAdjustments[i] < 0;
        }

        var ranked = candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Index).ToList();
        var best = ranked.FirstOrDefault(IsRelevant);
        if (best is null)
        {
            double closest = candidates.Max(c => c.Cosine);
            return NotFound(string.Create(CultureInfo.InvariantCulture,
                $"the closest sentence in the passages scored {closest:0.00}, below the {_options.MinRelevance:0.00} relevance threshold"), citations);
        }

        var chosen = analysis.AcrossPeriods
            ? ChooseAcrossDocuments(ranked, best, passages)
            : ChooseBest(ranked, best);
        var parts = QuestionAnalyzer.Parts(question);
        if (parts.Count > 1)
            await AddBestForEachPartAsync(parts, analysis, candidates, periodAdjustments, chosen, cancellationToken).ConfigureAwait(false);

        // Readable order: the sentences of one document together, the document holding the best sentence first,
        // and within it those of one passage together, in their order there. A document's sentences are followed
        // by what it is (its company and period) when known: a figure means little without them.
        var byDocument = chosen
            .GroupBy(c => passages[c.Passage].DocumentId, StringComparer.Ordinal)
            .Select(d => d.GroupBy(c => c.Passage).SelectMany(g => g.OrderBy(c => c.Span.Start)).ToList())
            .ToList();
        var ordered = byDocument.SelectMany(d => d).ToList();

        string text = string.Join(" ", byDocument.Select(sentences =>
            string.Join(" ", sentences.Select(c => $"{AnswerText.Shorten(c.Text, _options.MaxSentenceChars)} [{c.Passage + 1}]"))
            + (passages[sentences[0].Passage].Source is { Length: > 0 } source ? $" ({source})" : "")));
        citations = citations
            .Select((c, i) => ordered.Any(o => o.Passage == i) ? c with { Referenced = true, Quote = Quote(ordered.Where(o => o.Passage == i).ToList()) } : c)
            .ToList();
        return new Answer(text, AnswerModes.Extractive, NoAnswer: false, NoAnswerReason: null, citations);
    }

    /// <summary>
    /// A question of several parts ("What tax rate did Apple report, and how does it compare to the statutory rate?")
    /// gets, besides the sentences that best answer it as a whole, the best sentence for each part that those leave
    /// out: the whole question's best sentences tend to answer its first part only.
    /// </summary>
    private async Task AddBestForEachPartAsync(IReadOnlyList<string> parts, QuestionAnalysis analysis, List<Candidate> candidates,
        double[] periodAdjustments, List<Candidate> chosen, CancellationToken cancellationToken)
    {
        var vectors = await _embedder.GenerateAsync(parts, QueryEmbedding.Options(), cancellationToken).ConfigureAwait(false);
        for (int p = 0; p < parts.Count; p++)
        {
            // A part's words are those the other parts do not share: in "and how does it compare to the statutory
            // rate", "statutory", not the "tax rate" the first part already asked about.
            var others = parts.Where((_, q) => q != p).SelectMany(AnswerText.Terms).ToHashSet(StringComparer.Ordinal);
            var scores = Evaluate(parts[p], QuestionAnalyzer.ExpectedAnswer(parts[p]), analysis.Periods, candidates, vectors[p].Vector, others);
            var best = Enumerable.Range(0, candidates.Count)
                .Where(i => scores[i].Cosine >= _options.MinRelevance || scores[i].Coverage >= _options.MinTermCoverage)
                .OrderByDescending(i => scores[i].Score + periodAdjustments[i]).ThenBy(i => i)
                .Select(i => candidates[i])
                .FirstOrDefault();
            if (best is not null && !chosen.Any(c => c == best || IsDuplicate(c, best)))
                chosen.Add(best);
        }
    }

    /// <summary>The best sentence and those that score nearly as well, up to the cap.</summary>
    private List<Candidate> ChooseBest(List<Candidate> ranked, Candidate best) => AddNextBest(ranked, best, [best]);

    /// <summary>
    /// To the sentences chosen, the next best ones while there is room: relevant, within the margin of the best,
    /// and saying something none of the chosen says.
    /// </summary>
    private List<Candidate> AddNextBest(List<Candidate> ranked, Candidate best, List<Candidate> chosen)
    {
        foreach (var candidate in ranked)
        {
            if (chosen.Count >= _options.MaxSentences)
                break;
            // A sentence about another period than the one asked is no answer to add.
            if (chosen.Contains(candidate) || candidate.AboutOtherPeriod || !IsRelevant(candidate)
                || !WithinMargin(candidate, best, _options.ExtraSentenceMargin))
                continue;
            if (!chosen.Any(c => IsDuplicate(c, candidate)))
                chosen.Add(candidate);
        }
        return chosen;
    }

    /// <summary>
    /// For a question across periods: the best sentence of each document (each period's report, each version of a
    /// policy), so that the answer has one statement per period rather than three from the same one; then, while
    /// there is room, the next best sentences.
    /// </summary>
    private List<Candidate> ChooseAcrossDocuments(List<Candidate> ranked, Candidate best, IReadOnlyList<Passage> passages)
    {
        var chosen = new List<Candidate> { best };
        var documents = new HashSet<string>(StringComparer.Ordinal) { passages[best.Passage].DocumentId };
        foreach (var candidate in ranked)
        {
            if (documents.Count >= _options.MaxDocuments)
                break;
            if (!WithinMargin(candidate, best, _options.AcrossDocumentsMargin))
                continue;
            if (IsRelevant(candidate) && !documents.Contains(passages[candidate.Passage].DocumentId)
                && !chosen.Any(c => IsDuplicate(c, candidate)))
            {
                documents.Add(passages[candidate.Passage].DocumentId);
                chosen.Add(candidate);
            }
        }
        return AddNextBest(ranked, best, chosen);
    }

    /// <summary>
    /// The span of a passage the answer used: its sentence, or the stretch from the first to the last of its
    /// sentences when they stand close together, else the best of them.
    /// </summary>
    private static QuoteSpan Quote(List<Candidate> used)
    {
        int start = used.Min(c => c.Span.Start), end = used.Max(c => c.Span.End);
        int quoted = used.Sum(c => c.Span.End - c.Span.Start);
        return end - start <= quoted + 200 ? new QuoteSpan(start, end) : used.MaxBy(c => c.Score)!.Span;
    }

    private static Answer NotFound(string reason, IReadOnlyList<Citation> citations) =>
        new(NotFoundText, AnswerModes.Extractive, NoAnswer: true, reason, citations);

    /// <summary>
    /// Sentences of the best passages, each once (overlapping chunks repeat sentences), up to the cap: first those
    /// of the chunks that matched the question, passage by passage, then those of the text around them. Fragments
    /// (the passage starts or ends inside them) are left out. A table row with column headers is read as its label,
    /// the header of the column that matches the question, and that column's value.
    /// </summary>
    private List<Candidate> CollectCandidates(string question, QuestionAnalysis analysis, IReadOnlyList<Passage> passages)
    {
        var candidates = new List<Candidate>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var tableQuestion = new TableQuestion(question);
        var questionTerms = AnswerText.Terms(question);
        bool wantsName = analysis.AnswerType == AnswerType.Name;
        int passageCount = Math.Min(passages.Count, Math.Max(1, _options.MaxPassages));
        var sentences = Enumerable.Range(0, passageCount)
            .SelectMany(p => AnswerText.Sentences(passages[p].Text ?? "").Select(sentence => (Passage: p, Sentence: sentence)))
            .OrderBy(x => passages[x.Passage].Match is { } match && !match.Overlaps(x.Sentence.Start, x.Sentence.End) ? 1 : 0)
            .ThenBy(x => x.Passage)
            .ToList();
        foreach (var (p, sentence) in sentences)
        {
            if (candidates.Count >= _options.MaxCandidates)
                return candidates;
            if (sentence.Fragment || sentence.Caption || (sentence.Row is null && AnswerText.StartsMidSentence(sentence.Text)))
                continue;
            // A row without values only names the section of the rows below it.
            if (sentence.Row is { HasValues: false })
                continue;
            var row = sentence.Row;
            string text = row?.Describe(tableQuestion) ?? sentence.Text;
            if (!AnswerText.IsSubstantial(text) || !seen.Add(text))
                continue;
            // A heading names a topic, it answers nothing (unless a name is what is asked for); nor does a line
            // that only repeats the question's words ("The Gettysburg Address" for who delivered it).
            if (row is null && (!wantsName && AnswerText.IsHeading(text) || AnswerText.Terms(text).IsSubsetOf(questionTerms)))
                continue;
            // Nor does the text of a graphic, its labels interleaved.
            if (row is null && AnswerText.IsInterleaved(text))
                continue;
            // A row is matched with its section ("Net sales:" above "Products | 60,584") and, at half weight,
            // with its table's caption ("Net sales by segment (in millions):" above "Japan | 4,821").
            candidates.Add(new Candidate(text, p, candidates.Count, passageCount, new QuoteSpan(sentence.Start, sentence.End))
            {
                MatchText = row?.Section is { Length: > 0 } section && !text.Contains(section, StringComparison.OrdinalIgnoreCase) ? section + " " + text : text,
                ContextText = row?.Table.Caption,
                LabelTerms = (row?.Label ?? AnswerText.FigureLineLabel(text)) is { } label
                    ? AnswerText.Terms(label).Where(t => !char.IsDigit(t[0])).ToHashSet()
                    : null,
            });
        }
        return candidates;
    }

    /// <summary>
    /// How well each candidate answers <paramref name="question"/> (the whole question or one of its parts): its
    /// embedding cosine with the question, the share of the question's terms it holds (rarer terms weigh more; those
    /// in <paramref name="sharedTerms"/> do not count), a small bonus for its passage's rank, and the bonuses and
    /// maluses of what the question asks for.
    /// </summary>
    private (double Cosine, double Coverage, double Score, double LabelBonus)[] Evaluate(string question, AnswerType answerType, IReadOnlyList<Period> periods,
        List<Candidate> candidates, ReadOnlyMemory<float> questionVector, IReadOnlySet<string>? sharedTerms = null)
    {
        // Term weights from how few candidates hold a term: a question term that no candidate holds weighs the
        // most, so a passage that matches only the common words of the question covers little of it.
        var questionTerms = AnswerText.Terms(question);
        // The period asked about is weighed apart (PeriodAdjustments): a sentence that only repeats "the first
        // quarter of fiscal 2024" says nothing about what is asked for in it.
        questionTerms.ExceptWith(periods.SelectMany(p => AnswerText.Terms(p.Text)));
        if (sharedTerms is not null)
            questionTerms.ExceptWith(sharedTerms);
        var weights = questionTerms.ToDictionary(
            t => t,
            t => Math.Log((candidates.Count + 1.0) / (candidates.Count(c => c.Terms.Contains(t)) + 0.5)));
        double totalWeight = weights.Values.Sum();
        bool wantsQuantity = AnswerText.AsksForQuantity(question);

        var results = new (double Cosine, double Coverage, double Score, double LabelBonus)[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            double cosine = Cosine(questionVector, c.Vector);
            double coverage = totalWeight > 0
                ? weights.Sum(w => c.Terms.Contains(w.Key) ? w.Value : c.ContextTerms?.Contains(w.Key) == true ? w.Value / 2 : 0) / totalWeight
                : 0;
            double rankBonus = (double)(c.PassageCount - c.Passage) / c.PassageCount;
            double score = _options.SimilarityWeight * cosine + _options.TermWeight * coverage + _options.RankWeight * rankBonus;
            double labelBonus = c.LabelTerms is { Count: > 0 } label ? _options.LabelWeight * label.Count(questionTerms.Contains) / label.Count : 0;
            score += labelBonus;
            if (wantsQuantity && AnswerText.HasQuantity(c.Text, answerType))
                score += _options.QuantityWeight;
            if (c.Text.TrimEnd().EndsWith(':'))
                score -= _options.LeadInPenalty;
            results[i] = (cosine, coverage, score, labelBonus);
        }
        return results;
    }

    /// <summary>
    /// When the question names a period, a sentence about another period of the same kind ("the third quarter"
    /// when the first is asked about) is no answer to it, and a passage that names the very period asked about
    /// (a table titled "First Quarter of Fiscal Year 2024") is the likelier source.
    /// </summary>
    private double[] PeriodAdjustments(IReadOnlyList<Period> asked, List<Candidate> candidates, IReadOnlyList<Passage> passages)
    {
        var adjustments = new double[candidates.Count];
        if (asked.Count == 0)
            return adjustments;
        var passageNamesAsked = new Dictionary<int, bool>();
        for (int i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var named = PeriodFinder.Find(c.Text);
            bool namesAsked = named.Any(found => asked.Any(a => a.IsNamedBy(found)));
            // "The third quarter and first nine months of fiscal 2024" names its quarter without a year of its own.
            var quarters = PeriodFinder.QuarterNumbers(c.Text);
            bool namesOther = named.Any(found => asked.Any(a => SameKind(a, found) && !a.IsNamedBy(found)))
                || asked.Any(a => a.Quarter is { } q && quarters.Count > 0 && !quarters.Contains(q));
            if (namesOther && !namesAsked)
                adjustments[i] -= _options.OtherPeriodPenalty;
            if (!passageNamesAsked.TryGetValue(c.Passage, out bool passageNames))
            {
                passageNames = PeriodFinder.Find(passages[c.Passage].Text).Any(found => asked.Any(a => a.IsNamedBy(found)));
                passageNamesAsked[c.Passage] = passageNames;
            }
            if (passageNames)
                adjustments[i] += _options.AskedPeriodWeight;
        }

        return adjustments;

        static bool SameKind(Period a, Period b) =>
            a.Kind == b.Kind || (a.Kind is PeriodKind.Date or PeriodKind.Month && b.Kind is PeriodKind.Date or PeriodKind.Month);
    }

    private static double Cosine(ReadOnlyMemory<float> a, ReadOnlyMemory<float> b)
    {
        if (a.Length != b.Length || a.Length == 0)
            return 0;
        double cosine = TensorPrimitives.CosineSimilarity(a.Span, b.Span);
        return double.IsNaN(cosine) ? 0 : cosine; // a zero vector has no direction
    }

    /// <summary>
    /// Whether a candidate scores nearly as well as the best one, leaving out the bonus of a row the question names:
    /// "AWS" ranks the row labelled AWS first, and does not push out the other segments' rows for that.
    /// </summary>
    private static bool WithinMargin(Candidate candidate, Candidate best, double margin) =>
        candidate.Score - candidate.LabelBonus >= best.Score - best.LabelBonus - margin;

    private bool IsRelevant(Candidate c) => c.Cosine >= _options.MinRelevance || c.Coverage >= _options.MinTermCoverage;

    /// <summary>
    /// Two candidates say the same thing when one holds the other, or when they read alike and state the same
    /// figures: rows of one table ("Interest income: $187 million", "Other, net: $59 million") read alike to an
    /// embedding and are still different answers.
    /// </summary>
    private bool IsDuplicate(Candidate a, Candidate b) =>
        a.Text.Contains(b.Text, StringComparison.OrdinalIgnoreCase)
        || b.Text.Contains(a.Text, StringComparison.OrdinalIgnoreCase)
        || (Cosine(a.Vector, b.Vector) >= _options.DuplicateSimilarity && SameNumbers(a, b));

    private static bool SameNumbers(Candidate a, Candidate b)
    {
        var numbers = AnswerText.Numbers(a.Text);
        var others = AnswerText.Numbers(b.Text);
        return numbers.Count == 0 || others.Count == 0 || numbers.SetEquals(others);
    }

    private sealed class Candidate(string text, int passage, int index, int passageCount, QuoteSpan span)
    {
        /// <summary>Where the candidate is in its passage's text.</summary>
        public QuoteSpan Span { get; } = span;

        /// <summary>The text matched with the question: the candidate's own, with what it is about when that is elsewhere.</summary>
        public string MatchText { get; init; } = text;

        /// <summary>The words of a table row's label; null for a sentence.</summary>
        public HashSet<string>? LabelTerms { get; init; }

        /// <summary>Text around the candidate that says what it is about (a table's caption); its terms count half.</summary>
        public string? ContextText { get; init; }

        /// <summary>The terms of <see cref="MatchText"/> and of <see cref="ContextText"/>, read once for the whole question and each of its parts.</summary>
        public HashSet<string> Terms => _terms ??= AnswerText.Terms(MatchText);
        public HashSet<string>? ContextTerms => ContextText is null ? null : _contextTerms ??= AnswerText.Terms(ContextText);
        private HashSet<string>? _terms, _contextTerms;
        public string Text { get; } = text;
        public int Passage { get; } = passage;
        public int Index { get; } = index;
        public int PassageCount { get; } = passageCount;
        public ReadOnlyMemory<float> Vector { get; set; }
        public double Cosine { get; set; }
        public double Coverage { get; set; }
        public double Score { get; set; }

        /// <summary>Whether it names another period of the kind the question asks about, and not the one asked.</summary>
        public bool AboutOtherPeriod { get; set; }

        /// <summary>The part of <see cref="Score"/> that its label being named by the question gives.</summary>
        public double LabelBonus { get; set; }
    }
}
