using System.Diagnostics;
using DocQa.Core.Answering.Generation;
using DocQa.Core.Retrieval;
using DocQa.Core.Understanding;

namespace DocQa.Core.Answering;

public sealed record AskRequest(
    string Index,
    string Question,
    int Top = 5,
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
public sealed class AskService(Retriever retriever, IAnswerGenerator answerer, EvidenceCheck evidence)
{
    public string Mode => answerer.Mode;

    public string? ModelName => answerer.ModelName;

    /// <summary>Retrieves and starts the answer; what can refuse the request does so here, before any text is sent.</summary>
    public async Task<AskStream> StartAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
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

    /// <summary>Retrieves more passages than the answer uses, and keeps those that are evidence for the question.</summary>
    private async Task<EvidenceResult> RetrieveAsync(AskRequest request, CancellationToken cancellationToken)
    {
        var passages = await retriever.SearchAsync(
            new SearchRequest(request.Index, request.Question, evidence.CandidateCount(request.Top), request.Mode, request.Filter), cancellationToken);
        var result = await evidence.CheckAsync(request.Index, request.Question, passages, request.Top, request.Filter, cancellationToken);
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
