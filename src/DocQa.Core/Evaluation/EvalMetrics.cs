using DocQa.Core.Retrieval;

namespace DocQa.Core.Evaluation;

/// <summary>How one question fared against one ranked list of passages.</summary>
/// <param name="PageHit">null when the question names no pages.</param>
/// <param name="AnswerRecall">null when the reference answer holds no numbers.</param>
/// <param name="ReciprocalRank">1/rank of the first passage from a matching document within the first 10, else 0.</param>
/// <param name="MissingNumbers">numbers of the reference answer not found in the top-k passages.</param>
public sealed record QuestionScore(
    bool DocHitAt1,
    bool DocHitAtK,
    bool? PageHit,
    double? AnswerRecall,
    double ReciprocalRank,
    IReadOnlyList<string> MissingNumbers);

/// <summary>Averages over a set of questions; rates are shares from 0 to 1.</summary>
/// <param name="PageHitAtK">over questions with pages; null when none has any.</param>
/// <param name="AnswerRecallAtK">over questions whose answer has numbers; null when none has any.</param>
public sealed record EvalSummary(
    int Questions,
    double DocHitAt1,
    double DocHitAtK,
    double? PageHitAtK,
    double? AnswerRecallAtK,
    double MrrAt10);

/// <summary>How one answer fared: noAnswer or not, and the share of the reference's numbers in the answer text.</summary>
/// <param name="TextRecall">null for unanswerable questions and references without numbers.</param>
public sealed record AnswerScore(bool Answerable, bool NoAnswer, double? TextRecall);

/// <summary>Answer-level averages; each is null when no question counts for it.</summary>
/// <param name="NoAnswerOnUnanswerable">share of unanswerable questions answered noAnswer (higher is better).</param>
/// <param name="NoAnswerOnAnswerable">share of answerable questions answered noAnswer (lower is better).</param>
/// <param name="AnswerTextRecall">over answerable questions whose reference has numbers: share of them in the answer text.</param>
public sealed record AnswerSummary(int Unanswerable, double? NoAnswerOnUnanswerable, double? NoAnswerOnAnswerable, double? AnswerTextRecall);

/// <summary>The retrieval and answer metrics of the evaluation data's README, on passages in rank order.</summary>
public static class EvalMetrics
{
    public const int MrrDepth = 10;

    public static bool FromSource(EvalQuestion question, Passage passage) =>
        SourcePattern.MatchesAny(question.Sources, passage.FileName);

    /// <summary>docHit@k: one of the first k passages comes from a matching document.</summary>
    public static bool DocHit(EvalQuestion question, IReadOnlyList<Passage> ranked, int k) =>
        ranked.Take(k).Any(p => FromSource(question, p));

    /// <summary>
    /// pageHit@k: one of the first k passages is <see cref="OnGoldPage"/>; null when the question names no pages.
    /// It counts questions, not passages: a question hits when at least one passage is from a matching document and
    /// on a page that holds its evidence.
    /// </summary>
    public static bool? PageHit(EvalQuestion question, IReadOnlyList<Passage> ranked, int k) =>
        question.Pages.Count == 0 ? null : ranked.Take(k).Any(p => OnGoldPage(question, p) == true);

    /// <summary>
    /// The passage comes from a matching document and its page is one of the question's gold pages; null when the
    /// question names no pages. Chunks are made on one page, so Page is where all of the passage's text, the
    /// matched line included, stands; a passage stored spanning pages (Page..PageEnd) covers each page of its span.
    /// </summary>
    public static bool? OnGoldPage(EvalQuestion question, Passage passage)
    {
        if (question.Pages.Count == 0) return null;
        return FromSource(question, passage)
            && question.Pages.Any(page => page >= passage.Page && page <= Math.Max(passage.Page, passage.PageEnd));
    }

    /// <summary>answerRecall@k: share of the answer's distinct numbers found in the first k passages; null without numbers.</summary>
    public static double? AnswerRecall(EvalQuestion question, IReadOnlyList<Passage> ranked, int k) =>
        AnswerRecall(question, ranked, k, out _);

    public static double? AnswerRecall(EvalQuestion question, IReadOnlyList<Passage> ranked, int k, out IReadOnlyList<string> missing)
    {
        var wanted = AnswerNumbers.FromAnswer(question.Answer);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var passage in ranked.Take(k)) found.UnionWith(AnswerNumbers.InText(passage.Text));
        missing = wanted.Where(n => !found.Contains(n)).ToList();
        return wanted.Count == 0 ? null : (double)(wanted.Count - missing.Count) / wanted.Count;
    }

    /// <summary>1/rank (1-based) of the first passage from a matching document among the first 10; 0 when none.</summary>
    public static double ReciprocalRank(EvalQuestion question, IReadOnlyList<Passage> ranked)
    {
        for (var i = 0; i < Math.Min(ranked.Count, MrrDepth); i++)
            if (FromSource(question, ranked[i])) return 1.0 / (i + 1);
        return 0;
    }

    /// <summary>Every metric of one question; ranked should hold at least max(k, 10) passages when the index has them.</summary>
    public static QuestionScore Score(EvalQuestion question, IReadOnlyList<Passage> ranked, int k)
    {
        var recall = AnswerRecall(question, ranked, k, out var missing);
        return new QuestionScore(
            DocHit(question, ranked, 1),
            DocHit(question, ranked, k),
            PageHit(question, ranked, k),
            recall,
            ReciprocalRank(question, ranked),
            missing);
    }

    public static EvalSummary Summarise(IReadOnlyCollection<QuestionScore> scores)
    {
        if (scores.Count == 0) return new EvalSummary(0, 0, 0, null, null, 0);
        var pages = scores.Where(s => s.PageHit is not null).ToList();
        var numbers = scores.Where(s => s.AnswerRecall is not null).ToList();
        return new EvalSummary(
            scores.Count,
            scores.Average(s => s.DocHitAt1 ? 1.0 : 0.0),
            scores.Average(s => s.DocHitAtK ? 1.0 : 0.0),
            pages.Count == 0 ? null : pages.Average(s => s.PageHit!.Value ? 1.0 : 0.0),
            numbers.Count == 0 ? null : numbers.Average(s => s.AnswerRecall!.Value),
            scores.Average(s => s.ReciprocalRank));
    }

    /// <summary>How an answer fared against the question: noAnswer, and the reference's numbers found in its text.</summary>
    public static AnswerScore ScoreAnswer(EvalQuestion question, string answerText, bool noAnswer)
    {
        if (!question.Answerable) return new AnswerScore(false, noAnswer, null);
        var wanted = AnswerNumbers.FromAnswer(question.Answer);
        if (wanted.Count == 0) return new AnswerScore(true, noAnswer, null);
        var found = noAnswer ? [] : AnswerNumbers.InText(answerText);
        return new AnswerScore(true, noAnswer, (double)wanted.Count(found.Contains) / wanted.Count);
    }

    public static AnswerSummary SummariseAnswers(IReadOnlyCollection<AnswerScore> scores)
    {
        var unanswerable = scores.Where(s => !s.Answerable).ToList();
        var answerable = scores.Where(s => s.Answerable).ToList();
        var withNumbers = answerable.Where(s => s.TextRecall is not null).ToList();
        return new AnswerSummary(
            unanswerable.Count,
            unanswerable.Count == 0 ? null : unanswerable.Average(s => s.NoAnswer ? 1.0 : 0.0),
            answerable.Count == 0 ? null : answerable.Average(s => s.NoAnswer ? 1.0 : 0.0),
            withNumbers.Count == 0 ? null : withNumbers.Average(s => s.TextRecall!.Value));
    }

    /// <summary>The p-th percentile (0-100), interpolating linearly between the two nearest ranks; 0 for no values.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return 0;
        var position = Math.Clamp(p, 0, 100) / 100 * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }
}
