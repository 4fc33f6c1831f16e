using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;

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

/// <summary>
/// Where documents, their ingestion status and their searchable chunks live. The embedded SQLite store and the
/// Qdrant store implement it; everything above it is the same for both.
/// </summary>
public interface IDocumentStore
{
    // --- Indexes and document records ---

    Task<IReadOnlyList<IndexSummary>> ListIndexesAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(string index, CancellationToken cancellationToken = default);

    Task<DocumentRecord?> GetDocumentAsync(string index, string id, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces a document record; its chunks are left as they are.</summary>
    Task SaveDocumentAsync(DocumentRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes a document record and its chunks; false when there was none.</summary>
    Task<bool> DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken = default);

    /// <summary>Removes an index with all its documents and chunks.</summary>
    Task DeleteIndexAsync(string index, CancellationToken cancellationToken = default);

    // --- The ingestion queue (statuses are the queue, so a restart resumes it) ---

    /// <summary>
    /// Atomically moves the oldest queued document to processing (counting the attempt) and returns it; null when none
    /// is queued. Documents of the indexes in <paramref name="skipIndexes"/> are passed over (the runner's fair turns).
    /// </summary>
    Task<DocumentRecord?> ClaimNextQueuedAsync(IReadOnlyCollection<string>? skipIndexes = null, CancellationToken cancellationToken = default);

    /// <summary>How many documents wait in the queue (not counting those being processed).</summary>
    Task<int> CountQueuedAsync(CancellationToken cancellationToken = default);

    /// <summary>At start-up: documents left in processing by a stopped process go back to queued. Returns how many.</summary>
    Task<int> RequeueInterruptedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction: replaces all chunks of the record's document with these and saves the record.
    /// Searches see the old chunks or the new ones, never a mix.
    /// </summary>
    Task CompleteDocumentAsync(DocumentRecord record, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken = default);

    // --- Search ---

    /// <summary>Nearest chunks by cosine similarity to a unit-length query vector; Score is the cosine.</summary>
    Task<IReadOnlyList<Passage>> VectorSearchAsync(string index, ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Best chunks by BM25 over their text and heading; Score is higher for better matches.</summary>
    Task<IReadOnlyList<Passage>> KeywordSearchAsync(string index, string query, int top, SearchFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// The first chunks of a ready document in order, at most <paramref name="count"/>: its opening page, where a
    /// document names what it is about (a report's company and period, a contract's parties and date, a handbook's
    /// organisation). Score is 0. A store that cannot list a document's chunks returns none.
    /// </summary>
    Task<IReadOnlyList<Passage>> OpeningPassagesAsync(string index, string documentId, int count, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Passage>>([]);

    /// <summary>
    /// All chunks of a ready document in order, with their text but without vectors (empty): what re-embedding with
    /// another model reads. A store that cannot list a document's chunks returns none.
    /// </summary>
    Task<IReadOnlyList<StoredChunk>> ChunksOfAsync(string index, string documentId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StoredChunk>>([]);
}
