namespace DocQa.Core.Retrieval;

public enum RetrievalMode { Hybrid, Vector, Keyword }

/// <summary>Restricts a search to some documents and/or to documents carrying all the given tags and metadata values.</summary>
public sealed record SearchFilter
{
    public static readonly SearchFilter None = new();

    public IReadOnlyList<string> DocumentIds { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Metadata values the documents must have (<see cref="Documents.DocumentMetadata.Of(Documents.DocumentRecord)"/>: derived, overridden by
    /// tags); values compare without regard to case ("Acme Corporation" finds "ACME CORPORATION").
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Vector search only: the documents whose vectors the named embedding model made. A query vector is only ever
    /// compared with vectors of its own model; null: no such restriction (a store holding one model's vectors).
    /// </summary>
    public string? EmbeddingModel { get; init; }

    public bool IsEmpty => DocumentIds.Count == 0 && Tags.Count == 0 && Metadata.Count == 0 && EmbeddingModel is null;
}

/// <summary>
/// A retrieved chunk with where it came from and its score in the search that found it. Chunks are made on one page,
/// so Page is the page of all its text, the matched or quoted line included; PageEnd is its last page. A passage
/// widened with the text around its chunk (<see cref="PassageContext"/>) keeps to the chunk's pages, and
/// <see cref="Match"/> says where the chunk that matched is in its text.
/// </summary>
public sealed record Passage(
    string ChunkId,
    string DocumentId,
    string FileName,
    int Ordinal,
    int Page,
    int PageEnd,
    string? Heading,
    string Text,
    double Score)
{
    /// <summary>The part of <see cref="Text"/> that the search matched; null when that is all of it.</summary>
    public TextSpan? Match { get; init; }

    /// <summary>
    /// What the passage's document is, in words, when its metadata names a period ("Apple Inc., quarterly period
    /// ended July 1, 2023"): a figure means little without its company and period. Null when unknown.
    /// </summary>
    public string? Source { get; init; }
}

/// <summary>Character offsets into a text: <see cref="Start"/> inclusive, <see cref="End"/> exclusive.</summary>
public sealed record TextSpan(int Start, int End)
{
    public int Length => End - Start;

    public bool Overlaps(int start, int end) => start < End && Start < end;
}
