namespace DocQa.Core.Chunking;

/// <summary>
/// A piece of a document sized for the embedding model. <see cref="Tokens"/> counts <see cref="Text"/> alone;
/// Page and PageEnd are the first and last page its text comes from.
/// </summary>
public sealed record Chunk(int Ordinal, string Text, string? Heading, int Page, int PageEnd, int Tokens)
{
    /// <summary>The text the model embeds: the section heading on its own line, then the chunk's text.</summary>
    public string EmbeddingText => string.IsNullOrEmpty(Heading) ? Text : Heading + "\n" + Text;
}
