using System.Diagnostics;
using DocQa.Core.Answering.Generation;
using DocQa.Core.Retrieval;
using DocQa.Core.Documents;
using DocQa.Core.Understanding;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Answering;

/// <summary>
/// A question; <see cref="Top"/> null cites at most <see cref="QueryLimits.DefaultTop"/> passages. With a
/// <see cref="History"/> (earlier turns, oldest first), a follow-up is made standalone before it is searched.
/// </summary>
public sealed record AskRequest(
    string Index,
    string Question,
    int? Top = null,
    RetrievalMode Mode = RetrievalMode.Hybrid,
    SearchFilter? Filter = null,
    IReadOnlyList<ConversationTurn>? History = null);

public sealed record AskTimings(double RetrievalMs, double AnswerMs);

/// <param name="StandaloneQuestion">The question as searched and answered when a follow-up was rewritten; null when it was asked as it stands.</param>
public sealed record AskResult(Answer Answer, AskTimings Timings, string? StandaloneQuestion = null);

/// <summary>An answer being streamed, with how long retrieval took.</summary>
/// <param name="AnswerStarted">When the answer's work began (a <see cref="Stopwatch"/> timestamp), right after retrieval.</param>
public sealed record AskStream(AnswerSession Session, double RetrievalMs, string? StandaloneQuestion = null, long AnswerStarted = 0)
{
    /// <summary>Milliseconds since the answer's work began: the extractive answer or the model's start count, not only the streaming.</summary>
    public double AnswerElapsedMs() => Math.Round(Stopwatch.GetElapsedTime(AnswerStarted).TotalMilliseconds, 1);
}

/// <summary>
/// Retrieves passages for a question, checks that they are evidence for it (<see cref="EvidenceCheck"/>), and has
/// the configured answer generator answer from the passages that passed. A question without evidence is answered
/// "no answer" with the reason, and the answer generator (a language model) is never called for it.
/// </summary>
public sealed class AskService(
    Retriever retriever,
    IAnswerGenerator answerer,
    EvidenceCheck evidence,
    IOptions<QueryLimits>? limits = null,
    IQuestionRewriter? rewriter = null)
{
    /// <summary>Earlier turns taken into account: enough for a follow-up's context, bounded so a long thread stays cheap.</summary>
    public const int MaxHistoryTurns = 10;

    private readonly QueryLimits _limits = limits?.Value ?? new QueryLimits();
    private readonly IQuestionRewriter _rewriter = rewriter ?? new CarryOverQuestionRewriter();

    public string Mode => answerer.Mode;

    public string? ModelName => answerer.ModelName;

    /// <summary>Retrieves and starts the answer; what can refuse the request does so here, before any text is sent.</summary>
    public async Task<AskStream> StartAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
        request = Check(request);
        var clock = Stopwatch.StartNew();
        var standalone = await StandaloneAsync(request, cancellationToken);
        request = request with { Question = standalone ?? request.Question };
        var checkedEvidence = await RetrieveAsync(request, cancellationToken);
        var retrievalMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
        // The answer's clock starts here, before the answerer starts: an extractive answer is all made in StartAsync.
        var answerStarted = Stopwatch.GetTimestamp();
        if (!checkedEvidence.Passed)
        {
            var refused = NoEvidence(checkedEvidence.MissingReason!);
            return new AskStream(new AnswerSession(refused.Citations, Replay(refused)), retrievalMs, standalone, answerStarted);
        }
        return new AskStream(await answerer.StartAsync(request.Question, checkedEvidence.Supported, cancellationToken), retrievalMs, standalone, answerStarted);
    }

    public async Task<AskResult> AskAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
        request = Check(request);
        using var activity = DocQaTelemetry.Source.StartActivity("ask");
        var clock = Stopwatch.StartNew();
        var standalone = await StandaloneAsync(request, cancellationToken);
        request = request with { Question = standalone ?? request.Question };
        var checkedEvidence = await RetrieveAsync(request, cancellationToken);
        var retrievalMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var answer = checkedEvidence.Passed
            ? await answerer.AnswerAsync(request.Question, checkedEvidence.Supported, cancellationToken)
            : NoEvidence(checkedEvidence.MissingReason!);
        return new AskResult(answer, new AskTimings(Math.Round(retrievalMs, 1), Math.Round(clock.Elapsed.TotalMilliseconds, 1)), standalone);
    }

    /// <summary>The follow-up made standalone from the request's history; null when there is none or the question stands on its own.</summary>
    private async Task<string?> StandaloneAsync(AskRequest request, CancellationToken cancellationToken)
    {
        if (request.History is not { Count: > 0 } history) return null;
        var recent = history.Where(turn => !string.IsNullOrWhiteSpace(turn.Question)).TakeLast(MaxHistoryTurns).ToList();
        if (recent.Count == 0) return null;
        var standalone = (await _rewriter.MakeStandaloneAsync(recent, request.Question, cancellationToken)).Trim();
        if (standalone.Length == 0 || standalone == request.Question) return null;
        Activity.Current?.SetTag("docqa.standalone_question", standalone);
        // A rewrite may not grow past what a client may send.
        return standalone.Length <= _limits.MaxQuestionChars ? standalone : standalone[.._limits.MaxQuestionChars];
    }

    /// <summary>The request as checked against the Limits, with its question trimmed and its top filled in; refused with the reason.</summary>
    private AskRequest Check(AskRequest request)
    {
        IndexNames.Require(request.Index);
        return request with
        {
            Question = _limits.RequireText(request.Question, "question"),
            Top = _limits.CheckTop(request.Top),
            Mode = QueryLimits.CheckMode(request.Mode),
        };
    }

    /// <summary>Retrieves more passages than the answer uses, and keeps those that are evidence for the question.</summary>
    private async Task<EvidenceResult> RetrieveAsync(AskRequest request, CancellationToken cancellationToken)
    {
        var top = request.Top!.Value;
        var passages = await retriever.RankAsync(
            new SearchRequest(request.Index, request.Question, Mode: request.Mode, Filter: request.Filter), evidence.CandidateCount(top), cancellationToken);
        var result = await evidence.CheckAsync(request.Index, request.Question, passages, retriever.WideningCandidates(top), request.Filter, cancellationToken);
        Activity.Current?.SetTag("docqa.evidence", result.Passed ? "passed" : result.MissingReason);
        // The check reads the chunks that matched; the answer reads them with the text around them.
        return result.Passed ? result with { Supported = await retriever.WidenAsync(request.Index, result.Supported, top, cancellationToken) } : result;
    }

    /// <summary>"No answer" in the generator's own words, with the reason and no sources: nothing retrieved is evidence.</summary>
    private Answer NoEvidence(string reason) => new(
        answerer.Mode == AnswerModes.Generated ? GroundedPromptBuilder.NoAnswerText : ExtractiveAnswerer.NotFoundText,
        answerer.Mode,
        NoAnswer: true,
        reason,
        []) { Model = answerer.ModelName };

    private static async IAsyncEnumerable<AnswerUpdate> Replay(Answer answer)
    {
        await Task.CompletedTask;
        yield return new AnswerDelta(answer.Text);
        yield return new AnswerCompleted(answer);
    }
}
