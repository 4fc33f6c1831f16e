using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Core.Answering;
using DocQa.Core.Retrieval;

namespace DocQa.Server.Api;

/// <summary>A streamed answer as Server-Sent Events: "citations" first, then "delta" pieces, then "done" with the whole answer.</summary>
public static class AnswerEvents
{
    public static async IAsyncEnumerable<SseItem<string>> Stream(AskStream started, AskService ask, string question, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The session holds a place among the model's concurrent requests until the stream ends or the client leaves.
        using var session = started.Session;
        var highlightTerms = HighlightTerms(started.StandaloneQuestion ?? question, session.Citations);
        yield return Event("citations", new CitationsEventDto(ask.Mode, ask.ModelName, CitationDto.From(session.Citations))
        {
            StandaloneQuestion = started.StandaloneQuestion,
            HighlightTerms = highlightTerms,
        });

        await foreach (var update in session.Updates.WithCancellation(cancellationToken))
        {
            switch (update)
            {
                case AnswerDelta delta:
                    yield return Event("delta", new DeltaEventDto(delta.Text));
                    break;
                case AnswerCompleted completed:
                    var timings = new AskTimings(started.RetrievalMs, started.AnswerElapsedMs());
                    var done = AskResponseDto.From(new AskResult(completed.Answer, timings, started.StandaloneQuestion));
                    yield return Event("done", done with { HighlightTerms = HighlightTerms(started.StandaloneQuestion ?? question, completed.Answer.Citations) });
                    break;
            }
        }
    }

    /// <summary>The words of the citations that match the question's keyword terms, for the page to mark.</summary>
    public static IReadOnlyList<string> HighlightTerms(string question, IEnumerable<Citation> citations) =>
        KeywordAnalyzer.MatchingWords(question, citations.Select(c => c.Text));

    private static SseItem<string> Event<T>(string type, T data) => new(JsonSerializer.Serialize(data, JsonDefaults.Options), type);
}
