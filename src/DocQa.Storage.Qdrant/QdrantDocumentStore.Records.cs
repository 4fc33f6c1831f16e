using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using Qdrant.Client.Grpc;

namespace DocQa.Storage.Qdrant;

// Indexes and document records.
public sealed partial class QdrantDocumentStore
{
    public async Task<IReadOnlyList<IndexSummary>> ListIndexesAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var counts = new SortedDictionary<string, (int Documents, int Chunks)>(StringComparer.Ordinal) { [IndexNames.Default] = (0, 0) };
        var models = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        await foreach (var stored in ScrollRecordsAsync(filter: null, cancellationToken))
        {
            var (documents, chunks) = counts.GetValueOrDefault(stored.Record.Index);
            counts[stored.Record.Index] = (documents + 1, chunks + stored.ActiveChunks);
            // Chunks written before records named their model are the legacy model's.
            if (stored.Record.Status == DocumentStatus.Ready && stored.ActiveVersion is not null
                && (stored.Record.EmbeddingModel ?? EmbeddingSpaces.LegacyModel) is var model)
            {
                if (!models.TryGetValue(stored.Record.Index, out var perModel)) models[stored.Record.Index] = perModel = new(StringComparer.Ordinal);
                perModel[model] = perModel.GetValueOrDefault(model) + 1;
            }
        }
        return counts.Select(entry => new IndexSummary(entry.Key, entry.Value.Documents, entry.Value.Chunks)
        {
            DocumentsByEmbeddingModel = models.GetValueOrDefault(entry.Key) ?? new Dictionary<string, int>(),
        }).ToList();
    }

    public async Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(string index, CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var records = new List<DocumentRecord>();
        await foreach (var stored in ScrollRecordsAsync(QdrantFilters.Index(index), cancellationToken))
            records.Add(stored.Record);
        return records.OrderBy(record => record.CreatedAt).ThenBy(record => record.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<DocumentRecord?> GetDocumentAsync(string index, string id, CancellationToken cancellationToken = default) =>
        (await ReadRecordAsync(index, id, cancellationToken))?.Record;

    public async Task SaveDocumentAsync(DocumentRecord record, CancellationToken cancellationToken = default)
    {
        StoredRecord? before = null;
        await UpdateRecordAsync(record.Index, record.Id, current =>
        {
            before = current;
            // A document saved again while queued keeps its place; one that comes back to the queue goes to the back.
            var queuedAt = current is not null && current.Record.Status == DocumentStatus.Queued && record.Status == DocumentStatus.Queued
                ? current.QueuedAt
                : NextTick();
            var keepLease = current is not null && record.Status == DocumentStatus.Processing;
            return new StoredRecord(record, current?.ActiveVersion, current?.ActiveChunks ?? 0, NewRevision(), queuedAt,
                keepLease ? current!.LeaseOwner : null, keepLease ? current!.LeaseExpires : 0);
        }, cancellationToken);

        // Search filters read tags and metadata from the chunks, so changed ones are copied onto them (a tag may
        // override a metadata value).
        var metadata = DocumentMetadata.Of(record);
        if (before?.ActiveVersion is not null
            && (!SameTags(before.Record.Tags, record.Tags) || !SameTags(DocumentMetadata.Of(before.Record), metadata)))
        {
            await _client.SetPayloadAsync(ChunksCollection,
                new Dictionary<string, Value>
                {
                    [ChunkFields.Tags] = QdrantFilters.TagKeywords(record.Tags),
                    [ChunkFields.Metadata] = QdrantFilters.MetadataKeywords(metadata),
                },
                QdrantFilters.Document(record.Index, record.Id), cancellationToken: cancellationToken);
        }
    }

    public async Task<bool> DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken = default)
    {
        // The record first (it becomes a tombstone): without it, its chunks are invisible to searches even before
        // they are deleted, and a replacement another replica commits later is refused.
        for (var attempt = 0; ; attempt++)
        {
            var point = await ReadPointAsync(index, id, cancellationToken);
            if (point.Live is null) return false;
            var revision = NewRevision();
            if (await TryWritePointAsync(index, id, point.Revision, Payloads.Tombstone(index, id, revision, NextTick()), revision, cancellationToken)) break;
            if (attempt == MaxCompareAndSetTries) throw ContendedRecord(index, id);
        }
        await _client.DeleteAsync(ChunksCollection, QdrantFilters.Document(index, id), cancellationToken: cancellationToken);
        return true;
    }

    public async Task DeleteIndexAsync(string index, CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        await _client.DeleteAsync(DocumentsCollection, QdrantFilters.Index(index), ordering: Strong, cancellationToken: cancellationToken);
        await _client.DeleteAsync(ChunksCollection, QdrantFilters.Index(index), cancellationToken: cancellationToken);
    }
}
