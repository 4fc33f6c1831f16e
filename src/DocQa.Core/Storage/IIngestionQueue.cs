using DocQa.Core.Documents;

namespace DocQa.Core.Storage;

/// <summary>The ingestion queue: documents' statuses are the queue, so a restart resumes it.</summary>
public interface IIngestionQueue
{
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
}
