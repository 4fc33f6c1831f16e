using System.ComponentModel.DataAnnotations;
namespace DocQa.Core.Chunking;

/// <summary>Chunk sizes, in tokens of the embedding model.</summary>
public sealed record ChunkingOptions : IValidatableObject
{
    public const string Section = "Chunking";

    /// <summary>The size chunks are filled to; a single table or sentence may go past it, up to <see cref="MaxTokens"/>.</summary>
    [Range(1, 100_000)]
    public int TargetTokens { get; init; } = 220;

    /// <summary>The hard limit of a chunk's text; the heading and the model's window may lower it further.</summary>
    [Range(1, 100_000)]
    public int MaxTokens { get; init; } = 250;

    /// <summary>About how much of the end of a chunk the next chunk of the same section repeats.</summary>
    [Range(0, 100_000)]
    public int OverlapTokens { get; init; } = 40;

    /// <summary>The most tokens of heading put before each chunk's text for embedding.</summary>
    [Range(1, 100_000)]
    public int MaxHeadingTokens { get; init; } = 32;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TargetTokens > MaxTokens)
            yield return new ValidationResult($"{Section}:TargetTokens ({TargetTokens}) must not exceed {Section}:MaxTokens ({MaxTokens}).", [nameof(TargetTokens)]);
        if (OverlapTokens >= TargetTokens)
            yield return new ValidationResult($"{Section}:OverlapTokens ({OverlapTokens}) must be below {Section}:TargetTokens ({TargetTokens}).", [nameof(OverlapTokens)]);
    }
}
