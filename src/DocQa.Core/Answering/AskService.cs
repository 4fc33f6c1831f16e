using System.Diagnostics;
using DocQa.Core.Retrieval;

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

/// <summary>Retrieves passages for a question and has the configured answer generator answer from them.</summary>
public sealed class AskService(Retriever retriever, IAnswerGenerator answerer)
{
    public string Mode => answerer.Mode;

    public string? ModelName => answerer.ModelName;

    /// <summary>Retrieves and starts the answer; what can refuse the request does so here, before any text is sent.</summary>
    public async Task<AskStream> StartAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var passages = await retriever.SearchAsync(
            new SearchRequest(request.Index, request.Question, request.Top, request.Mode, request.Filter), cancellationToken);
        var retrievalMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
        return new AskStream(await answerer.StartAsync(request.Question, passages, cancellationToken), retrievalMs);
    }

    public async Task<AskResult> AskAsync(AskRequest request, CancellationToken cancellationToken = default)
    {
        using var activity = DocQaTelemetry.Source.StartActivity("ask");
        var clock = Stopwatch.StartNew();
        var passages = await retriever.SearchAsync(
            new SearchRequest(request.Index, request.Question, request.Top, request.Mode, request.Filter), cancellationToken);
        var retrievalMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var answer = await answerer.AnswerAsync(request.Question, passages, cancellationToken);
        return new AskResult(answer, new AskTimings(Math.Round(retrievalMs, 1), Math.Round(clock.Elapsed.TotalMilliseconds, 1)));
    }
}
