using System.ComponentModel.DataAnnotations;
using DocQa.Core.Retrieval;

namespace DocQa.Core;

/// <summary>
/// The Limits section's bounds on one question or search. The services check them themselves (<see cref="Retriever"/>,
/// <see cref="Answering.AskService"/>), so the REST API, the CLI's local mode and every other front end refuse the same
/// requests with the same messages.
/// </summary>
public sealed class QueryLimits
{
    public const string Section = "Limits";

    /// <summary>Passages returned when a request does not say how many.</summary>
    public const int DefaultTop = 5;

    /// <summary>Longest question or search query accepted, in characters.</summary>
    [Range(1, 1_000_000)]
    public int MaxQuestionChars { get; set; } = 4000;

    /// <summary>Most passages a search or an answer may ask for ("top").</summary>
    [Range(1, 1000)]
    public int MaxTop { get; set; } = 50;

    /// <summary>The trimmed text of a question or query; refused when empty or too long. <paramref name="field"/> names it in the message.</summary>
    public string RequireText(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw RequestRejectedException.BadRequest($"'{field}' is required.");
        if (text.Length > MaxQuestionChars)
            throw RequestRejectedException.BadRequest($"'{field}' is longer than {MaxQuestionChars} characters.");
        return text.Trim();
    }

    /// <summary>How many passages to return: <see cref="DefaultTop"/> (at most <see cref="MaxTop"/>) when not given.</summary>
    public int CheckTop(int? top) => top switch
    {
        null => Math.Min(DefaultTop, MaxTop),
        >= 1 when top <= MaxTop => top.Value,
        _ => throw RequestRejectedException.BadRequest($"'top' must be between 1 and {MaxTop}."),
    };

    /// <summary>Keeps out values that name no mode, which a cast or a lenient reader could let through.</summary>
    public static RetrievalMode CheckMode(RetrievalMode mode) => Enum.IsDefined(mode)
        ? mode
        : throw RequestRejectedException.BadRequest("'mode' must be \"hybrid\", \"vector\" or \"keyword\".");
}
