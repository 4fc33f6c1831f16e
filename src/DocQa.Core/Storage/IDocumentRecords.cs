using DocQa.Core.Documents;
using DocQa.Core.Retrieval;

namespace DocQa.Core.Storage;

/// <summary>Indexes, the records of their documents, and the chunks a ready document holds.</summary>
public interface IDocumentRecords
{
    Task<IReadOnlyList<IndexSummary>> ListIndexesAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(string index, CancellationToken cancellationToken = default);

    Task<DocumentRecord?> GetDocumentAsync(string index, string id, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces a document record; its chunks are left as they are.</summary>
    Task SaveDocumentAsync(DocumentRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes a document record and its chunks; false when there was none.</summary>
    Task<bool> DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken = default);

    /// <summary>Removes an index with all its documents and chunks.</summary>
    Task DeleteIndexAsync(string index, CancellationToken cancellationToken = default);

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

    /// <summary>
    /// The chunks of a ready document whose ordinals lie from <paramref name="first"/> to <paramref name="last"/>, in
    /// order and without vectors: the text around a retrieved passage. Stores that can read a range directly should.
    /// </summary>
    async Task<IReadOnlyList<StoredChunk>> ChunkRangeAsync(string index, string documentId, int first, int last, CancellationToken cancellationToken = default) =>
        (await ChunksOfAsync(index, documentId, cancellationToken).ConfigureAwait(false))
            .Where(chunk => chunk.Ordinal >= first && chunk.Ordinal <= last)
            .ToList();

    /// <summary>
    /// The ready documents of an index whose original file has this SHA-256: copies of the same bytes, whose chunks a
    /// new copy can reuse instead of being extracted and embedded again.
    /// </summary>
    async Task<IReadOnlyList<DocumentRecord>> FindReadyBySha256Async(string index, string sha256, CancellationToken cancellationToken = default) =>
        (await ListDocumentsAsync(index, cancellationToken)).Where(d => d.Status == DocumentStatus.Ready && d.Sha256 == sha256).ToList();

    /// <summary>
    /// All chunks of a ready document in order, with their vectors: what a copy of the same content reuses. A store
    /// that cannot read them back returns none (the copy is then processed like any upload).
    /// </summary>
    Task<IReadOnlyList<StoredChunk>> ChunksWithVectorsAsync(string index, string documentId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StoredChunk>>([]);
}
