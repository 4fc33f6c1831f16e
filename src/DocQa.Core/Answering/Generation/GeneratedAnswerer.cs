using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using DocQa.Core.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace DocQa.Core.Answering.Generation;

public sealed record GenerationOptions
{
    /// <summary>Tokens kept for the answer; the prompt gets the rest of the window.</summary>
    public int MaxAnswerTokens { get; init; } = 512;

    /// <summary>0 means greedy decoding: the same question over the same passages gives the same answer.</summary>
    public float Temperature { get; init; }
}

/// <summary>
/// Answers in the model's own words from the retrieved passages only, citing them as [n]; says "I don't know"
/// when they don't hold the answer. Text streams as the model writes it.
/// </summary>
public sealed class GeneratedAnswerer(ILanguageModel model, GenerationGate gate, GenerationOptions options, ILogger<GeneratedAnswerer> logger) : IAnswerGenerator
{
    public string Mode => AnswerModes.Generated;

    public string ModelName => model.Name;

    public async Task<Answer> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        using var session = await StartAsync(question, passages, cancellationToken);
        Answer? answer = null;
        await foreach (var update in session.Updates.WithCancellation(cancellationToken))
            if (update is AnswerCompleted completed) answer = completed.Answer;
        return answer ?? throw new InvalidOperationException("The answer stream ended without an answer.");
    }

    public async Task<AnswerSession> StartAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        if (passages.Count == 0)
        {
            var none = new Answer(GroundedPromptBuilder.NoAnswerText, Mode, NoAnswer: true, "no passages matched the question", []) { Model = model.Name };
            return new AnswerSession([], Completed(none));
        }

        var answerTokens = AnswerTokens(model, options);
        var prompt = GroundedPromptBuilder.Build(question, passages, model.CountTokens, model.ContextSize - answerTokens);
        var citations = prompt.Sources
            .Select((p, i) => new Citation(i + 1, p.DocumentId, p.FileName, p.Page, p.PageEnd, passages[i].Text, p.Score, Referenced: false))
            .ToList();
        var lease = await gate.EnterAsync(cancellationToken);
        // The reader's token reaches the generation through WithCancellation, not the token of this start.
        return new AnswerSession(citations, GenerateAsync(prompt, citations, lease, CancellationToken.None), lease);
    }

    private async IAsyncEnumerable<AnswerUpdate> GenerateAsync(GroundedPrompt prompt, IReadOnlyList<Citation> citations, IDisposable lease,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var _ = lease;
        using var activity = DocQaTelemetry.Source.StartActivity("generate");
        var chatOptions = new ChatOptions { MaxOutputTokens = AnswerTokens(model, options), Temperature = options.Temperature, ModelId = model.Name };
        var markers = new CitationMarkers(citations.Count);
        var raw = new StringBuilder();
        var outputTokens = 0;
        var inputTokens = prompt.Tokens;
        var started = false;
        var clockStart = Stopwatch.GetTimestamp();

        await foreach (var update in model.ChatClient.GetStreamingResponseAsync(prompt.Messages, chatOptions, cancellationToken))
        {
            foreach (var usage in update.Contents.OfType<UsageContent>())
            {
                inputTokens = (int?)usage.Details.InputTokenCount ?? inputTokens;
                outputTokens = (int?)usage.Details.OutputTokenCount ?? outputTokens;
            }
            if (string.IsNullOrEmpty(update.Text)) continue;
            raw.Append(update.Text);
            var shown = markers.Push(update.Text);
            // The answer starts at its first visible character (SentencePiece models often begin with a space).
            if (!started) shown = shown.TrimStart();
            if (shown.Length == 0) continue;
            started = true;
            yield return new AnswerDelta(shown);
        }
        var rest = markers.Flush();
        if (rest.Length > 0) yield return new AnswerDelta(rest);

        DocQaTelemetry.GenerationDuration.RecordSince(clockStart);
        DocQaTelemetry.GenerationTokens.Add(inputTokens, new KeyValuePair<string, object?>("docqa.token.type", "input"));
        DocQaTelemetry.GenerationTokens.Add(outputTokens, new KeyValuePair<string, object?>("docqa.token.type", "output"));
        yield return new AnswerCompleted(Finish(raw.ToString(), citations, new AnswerUsage(inputTokens, outputTokens)));
    }

    private Answer Finish(string raw, IReadOnlyList<Citation> citations, AnswerUsage usage)
    {
        var text = CitationMarkers.Clean(raw, citations.Count);
        var cited = CitationMarkers.Cited(text, citations.Count).ToHashSet();
        var referenced = CitedQuotes.Add(text, citations.Select(c => cited.Contains(c.N) ? c with { Referenced = true } : c).ToList());
        var declined = text.Length == 0 || IsNoAnswer(text);
        if (declined) logger.LogDebug("The model found no answer in {Count} sources", citations.Count);
        return new Answer(
            text.Length == 0 ? GroundedPromptBuilder.NoAnswerText : text,
            Mode,
            NoAnswer: declined,
            declined ? "the model found no answer in the sources" : null,
            referenced) { Model = model.Name, Usage = usage };
    }

    /// <summary>Tokens kept for the answer: as configured, but never more than a quarter of a small window, which the sources need.</summary>
    public static int AnswerTokens(ILanguageModel model, GenerationOptions options) =>
        Math.Max(1, Math.Min(options.MaxAnswerTokens, model.ContextSize / 4));

    private static bool IsNoAnswer(string text)
    {
        var start = text.TrimStart().TrimStart('"', '\'').ToLowerInvariant();
        return start.StartsWith("i don't know", StringComparison.Ordinal)
            || start.StartsWith("i do not know", StringComparison.Ordinal)
            || start.StartsWith("i don’t know", StringComparison.Ordinal);
    }

    private static async IAsyncEnumerable<AnswerUpdate> Completed(Answer answer)
    {
        await Task.CompletedTask;
        yield return new AnswerDelta(answer.Text);
        yield return new AnswerCompleted(answer);
    }
}
