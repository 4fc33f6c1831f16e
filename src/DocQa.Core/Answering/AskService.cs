using System.Diagnostics;
using DocQa.Core.Answering.Generation;
using DocQa.Core.Retrieval;
using DocQa.Core.Documents;
using DocQa.Core.Understanding;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Answering;

/// <summary>A question; <see cref="Top"/> null cites at most <see cref="QueryLimits.DefaultTop"/> passages.</summary>
public sealed record AskRequest(
    string Index,
    string Question,
    int? Top = null,
    RetrievalMode Mode = RetrievalMode.Hybrid,
    SearchFilter? Filter = null);

public sealed record AskTimings(double RetrievalMs, double AnswerMs);

public sealed record AskResult(Answer Answer, AskTimings Timings);

/// <summary>An answer being streamed, with how long retrieval took.</summary>
public sealed record AskStream(AnswerSession Session, double RetrievalMs);

/// <summary>
/// Retrieves passages for a question, checks that they are evidence for it (<see cref="EvidenceCheck"/>), and has
/// the configured answer generator answer from the passages that passed. A question without evidence is answered
/// "no answer" with the reason, and the answer generator (a language model) is never called for it.
/// </summary>
public sealed class AskService(Retriever retriever, IAnswerGenerator answerer, EvidenceCheck evidence, IOptions<QueryLimits>? limits = null)
{
    private readonly QueryLimits _limits = limits?.Value ?? new QueryLimits();

    public string Mode => answerer.Mode;

    public string? ModelName => answerer.ModelName;

    /// <summary>Retrieves and starts the answer; what can refuse the request does so here, before any text is sent.</summary>
    public async Task<AskStream> StartAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
        request = Check(request);
        var clock = Stopwatch.StartNew();
        var checkedEvidence = await RetrieveAsync(request, cancellationToken);
        var retrievalMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
        if (!checkedEvidence.Passed)
        {
            var refused = NoEvidence(checkedEvidence.MissingReason!);
            return new AskStream(new AnswerSession(refused.Citations, Replay(refused)), retrievalMs);
        }
        return new AskStream(await answerer.StartAsync(request.Question, checkedEvidence.Supported, cancellationToken), retrievalMs);
    }

    public async Task<AskResult> AskAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
        request = Check(request);
        using var activity = DocQaTelemetry.Source.StartActivity("ask");
        var clock = Stopwatch.StartNew();
        var checkedEvidence = await RetrieveAsync(request, cancellationToken);
        var retrievalMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var answer = checkedEvidence.Passed
            ? await answerer.AnswerAsync(request.Question, checkedEvidence.Supported, cancellationToken)
            : NoEvidence(checkedEvidence.MissingReason!);
        return new AskResult(answer, new AskTimings(Math.Round(retrievalMs, 1), Math.Round(clock.Elapsed.TotalMilliseconds, 1)));
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
        var result = await evidence.CheckAsync(request.Index, request.Question, passages, top, request.Filter, cancellationToken);
        Activity.Current?.SetTag("docqa.evidence", result.Passed ? "passed" : result.MissingReason);
        return result;
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
