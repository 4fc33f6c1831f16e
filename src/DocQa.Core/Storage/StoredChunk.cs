using DocQa.Core.Chunking;

namespace DocQa.Core.Storage;

/// <summary>A chunk as stored: its text, where it came from, and its embedding (unit length).</summary>
public sealed record StoredChunk(
    string ChunkId,
    int Ordinal,
    string Text,
    string? Heading,
    int Page,
    int PageEnd,
    ReadOnlyMemory<float> Vector)
{
    /// <summary>Characters at the start of <see cref="Text"/> that repeat earlier context and were not embedded.</summary>
    public int LeadLength { get; init; }

    /// <summary>The text the vector was made from, so that another model can embed the chunk again.</summary>
    public string EmbeddingText => Chunk.EmbeddingTextOf(Text, Heading, LeadLength);
}
