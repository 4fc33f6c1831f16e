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
    bool Referenced);

/// <summary>An answer and the sources it was drawn from. When <see cref="NoAnswer"/> is set, Text says so and Reason says why.</summary>
public sealed record Answer(
    string Text,
    string Mode,
    bool NoAnswer,
    string? NoAnswerReason,
    IReadOnlyList<Citation> Citations);

/// <summary>Turns a question and the passages retrieved for it into an answer that cites them.</summary>
public interface IAnswerGenerator
{
    /// <summary>"extractive" or "generated".</summary>
    string Mode { get; }

    /// <param name="passages">Best first, as retrieval ranked them.</param>
    Task<Answer> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default);
}
