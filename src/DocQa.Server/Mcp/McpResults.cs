using DocQa.Contracts;
using DocQa.Core.Answering;

namespace DocQa.Server.Mcp;

// What the MCP tools return, as JSON objects (structured content): lists are wrapped so every result is an object.

public sealed record SearchResults(IReadOnlyList<SearchResultDto> Passages);

/// <summary>An answer; when <paramref name="NoAnswer"/> is set, <paramref name="Reason"/> says why the documents do not answer it.</summary>
public sealed record AnswerResult(string Text, bool NoAnswer, string? Reason, IReadOnlyList<AnswerCitation> Citations)
{
    public static AnswerResult From(Answer answer) => new(
        answer.Text,
        answer.NoAnswer,
        answer.NoAnswerReason,
        answer.Citations.Select(c => new AnswerCitation(c.N, c.DocumentId, c.FileName, c.Page, c.Text)).ToList());
}

/// <summary>Source [<paramref name="N"/>] of an answer: the passage and the page it is on.</summary>
public sealed record AnswerCitation(int N, string DocumentId, string FileName, int Page, string Text);

/// <summary>The text of page <paramref name="Page"/> of <paramref name="Pages"/>.</summary>
public sealed record PageText(string DocumentId, string FileName, int Page, int Pages, string Text);
