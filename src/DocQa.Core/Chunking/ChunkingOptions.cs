namespace DocQa.Core.Chunking;

/// <summary>Chunk sizes, in tokens of the embedding model.</summary>
public sealed record ChunkingOptions
{
    /// <summary>The size chunks are filled to; a single table or sentence may go past it, up to <see cref="MaxTokens"/>.</summary>
    public int TargetTokens { get; init; } = 220;

    /// <summary>The hard limit of a chunk's text; the heading and the model's window may lower it further.</summary>
    public int MaxTokens { get; init; } = 250;

    /// <summary>About how much of the end of a chunk the next chunk of the same section repeats.</summary>
    public int OverlapTokens { get; init; } = 40;

    /// <summary>The most tokens of heading put before each chunk's text for embedding.</summary>
    public int MaxHeadingTokens { get; init; } = 32;
}
