namespace DocQa.Core.Documents;

public enum DocumentStatus { Queued, Processing, Ready, Failed }

/// <summary>What the store knows of one uploaded document: its identity, content hash, status and counts.</summary>
public sealed record DocumentRecord
{
    public required string Index { get; init; }
    public required string Id { get; init; }
    public required string FileName { get; init; }
    public required string ContentType { get; init; }
    public long SizeBytes { get; init; }
    public required string Sha256 { get; init; }
    /// <summary>
    /// Where the file lives, when it was read from a folder (<c>docqa sync</c>, Sources:Folders, <c>docqa ingest</c>):
    /// the full path on the machine that read it, so a citation can point at the file. Null for uploads.
    /// </summary>
    public string? SourcePath { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// What ingestion read from the document itself (see <see cref="DocumentMetadata"/> for the keys); empty until it
    /// is processed. Tags of the same keys override these values: <see cref="DocumentMetadata.Of(DocumentRecord)"/> gives the result.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    public DocumentStatus Status { get; init; }
    public string? Error { get; init; }
    public int Pages { get; init; }
    /// <summary>Pages that had no text layer (scanned images); counted, not read.</summary>
    public int PagesWithoutText { get; init; }
    /// <summary>The pages whose text was read by OCR (1-based).</summary>
    public IReadOnlyList<int> PagesOcr { get; init; } = [];
    /// <summary>What processing could not read and the user should know ("page 3 has no text layer and OCR is not installed ...").</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public int Chunks { get; init; }
    /// <summary>The embedding model whose vectors the document's chunks carry; null until it has chunks.</summary>
    public string? EmbeddingModel { get; init; }
    /// <summary>How many times processing was started; guards against a document that crashes the worker forever.</summary>
    public int Attempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>An index and what it holds, for listings.</summary>
public sealed record IndexSummary(string Name, int Documents, int Chunks)
{
    /// <summary>How many ready documents carry each embedding model's vectors.</summary>
    public IReadOnlyDictionary<string, int> DocumentsByEmbeddingModel { get; init; } = new Dictionary<string, int>();
}
