namespace DocQa.Core.Chunking;

/// <summary>
/// A piece of a document sized for the embedding model. <see cref="Tokens"/> counts the embedded part of
/// <see cref="Text"/> alone (all of it but the <see cref="Lead"/>); Page and PageEnd are the first and last page its
/// text comes from. The <see cref="Chunker"/> keeps a chunk on one page (PageEnd = Page), so that the page a passage
/// reports is the page of whatever line of it was matched or quoted.
/// </summary>
public sealed record Chunk(int Ordinal, string Text, string? Heading, int Page, int PageEnd, int Tokens)
{
    /// <summary>
    /// The start of <see cref="Text"/> that repeats what came before in the document so that the passage reads on
    /// its own — a split table's title and header rows above its later rows — and is shown, searched by keyword and
    /// answered from, but not embedded, so that the chunk's rows fill the model's window. Null when none.
    /// </summary>
    public string? Lead { get; init; }

    /// <summary>The text the model embeds: the section heading on its own line, then the chunk's text after its lead.</summary>
    public string EmbeddingText => EmbeddingTextOf(Text, Heading, LeadLength);

    /// <summary>How many characters at the start of <see cref="Text"/> are its <see cref="Lead"/>.</summary>
    public int LeadLength => Lead is { Length: > 0 } lead && Text.StartsWith(lead, StringComparison.Ordinal) ? lead.Length : 0;

    /// <summary>The heading on its own line, then the text after its lead: what a chunk's vector is made from.</summary>
    public static string EmbeddingTextOf(string text, string? heading, int leadLength)
    {
        var own = text[Math.Clamp(leadLength, 0, text.Length)..];
        return string.IsNullOrEmpty(heading) ? own : heading + "\n" + own;
    }
}
