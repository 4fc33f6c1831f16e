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
    public string EmbeddingText
    {
        get
        {
            string own = Lead is { Length: > 0 } lead && Text.StartsWith(lead, StringComparison.Ordinal) ? Text[lead.Length..] : Text;
            return string.IsNullOrEmpty(Heading) ? own : Heading + "\n" + own;
        }
    }
}
