using DocQa.Core.Retrieval;

namespace DocQa.Core.Answering;

public static class AnswerModes
{
    public const string Extractive = "extractive";
    public const string Generated = "generated";
}

/// <summary>A numbered source of an answer; [n] markers in the answer text refer to <see cref="N"/>.</summary>
public sealed record Citation(
    int N,
    string DocumentId,
    string FileName,
    int Page,
    int PageEnd,
    string Text,
    double Score,
    bool Referenced)
{
    /// <summary>The part of <see cref="Text"/> the answer used (a sentence, a table row); null when none is known.</summary>
    public QuoteSpan? Quote { get; init; }
}

/// <summary>Character offsets into a citation's text: <see cref="Start"/> inclusive, <see cref="End"/> exclusive.</summary>
public sealed record QuoteSpan(int Start, int End)
{
    /// <summary>The quoted text of <paramref name="text"/>.</summary>
    public string Of(string text) => text[Start..End];
}

/// <summary>An answer and the sources it was drawn from. When <see cref="NoAnswer"/> is set, Text says so and Reason says why.</summary>
public sealed record Answer(
    string Text,
    string Mode,
    bool NoAnswer,
    string? NoAnswerReason,
    IReadOnlyList<Citation> Citations)
{
    /// <summary>The language model that wrote a generated answer; null for extractive answers.</summary>
    public string? Model { get; init; }

    /// <summary>Tokens the model read and wrote; null for extractive answers.</summary>
    public AnswerUsage? Usage { get; init; }
}

public sealed record AnswerUsage(int PromptTokens, int AnswerTokens);

/// <summary>A step of an answer as it is produced: pieces of text, then the finished answer.</summary>
public abstract record AnswerUpdate;

public sealed record AnswerDelta(string Text) : AnswerUpdate;

public sealed record AnswerCompleted(Answer Answer) : AnswerUpdate;

/// <summary>
/// An answer under way. Everything that can refuse the request (an overloaded model, a question too long for
/// its window) has happened before a session exists, so a client can be told with a plain error; the sources are
/// known from the start and the text follows in <see cref="Updates"/>.
/// </summary>
public sealed class AnswerSession(IReadOnlyList<Citation> citations, IAsyncEnumerable<AnswerUpdate> updates, IDisposable? lease = null) : IDisposable
{
    public IReadOnlyList<Citation> Citations { get; } = citations;

    public IAsyncEnumerable<AnswerUpdate> Updates { get; } = updates;

    /// <summary>Releases what the session holds (a place among the model's concurrent requests).</summary>
    public void Dispose() => lease?.Dispose();
}

/// <summary>Turns a question and the passages retrieved for it into an answer that cites them.</summary>
public interface IAnswerGenerator
{
    /// <summary>"extractive" or "generated".</summary>
    string Mode { get; }

    /// <summary>The language model that writes the answers; null when none does.</summary>
    string? ModelName => null;

    /// <param name="passages">Best first, as retrieval ranked them.</param>
    Task<Answer> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts an answer to be streamed. By default the whole answer is made first and streamed as one piece;
    /// generators that produce text token by token stream it as it comes.
    /// </summary>
    async Task<AnswerSession> StartAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        var answer = await AnswerAsync(question, passages, cancellationToken);
        return new AnswerSession(answer.Citations, Replay(answer));

        static async IAsyncEnumerable<AnswerUpdate> Replay(Answer answer)
        {
            await Task.CompletedTask;
            yield return new AnswerDelta(answer.Text);
            yield return new AnswerCompleted(answer);
        }
    }
}
