using DocQa.Core.Documents;
using DocQa.Core.Storage;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace DocQa.Storage.Qdrant;

// The ingestion queue: claims are leases on the record points, renewed while a document is processed.
public sealed partial class QdrantDocumentStore
{
    public async Task<DocumentRecord?> ClaimNextQueuedAsync(IReadOnlyCollection<string>? skipIndexes = null, CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        for (var round = 0; round < MaxCompareAndSetTries; round++)
        {
            var now = _clock.GetUtcNow();
            // Queued documents, and documents whose claim ran out (their replica stopped mid-way), oldest first.
            var claimable = new Filter
            {
                Should =
                {
                    MatchKeyword(RecordFields.Status, Payloads.StatusName(DocumentStatus.Queued)),
                    Conditions.Filter(new Filter
                    {
                        Must =
                        {
                            MatchKeyword(RecordFields.Status, Payloads.StatusName(DocumentStatus.Processing)),
                            Conditions.Range(RecordFields.LeaseExpires, new global::Qdrant.Client.Grpc.Range { Lt = now.ToUnixTimeMilliseconds() }),
                        },
                    }),
                },
            };
            if (skipIndexes is { Count: > 0 })
                claimable.MustNot.Add(Conditions.Match(RecordFields.Index, skipIndexes.ToList()));
            var page = await _client.ScrollAsync(DocumentsCollection, claimable, limit: 16, payloadSelector: true,
                orderBy: new OrderBy { Key = RecordFields.QueuedAt, Direction = Direction.Asc }, cancellationToken: cancellationToken);
            if (page.Result.Count == 0) return null;

            foreach (var point in page.Result)
            {
                var candidate = Payloads.ToRecord(point.Payload);
                var claimed = candidate with
                {
                    Record = candidate.Record with
                    {
                        Status = DocumentStatus.Processing,
                        Attempts = candidate.Record.Attempts + 1,
                        UpdatedAt = now,
                    },
                    Revision = NewRevision(),
                    LeaseOwner = _replicaId,
                    LeaseExpires = LeaseEnd(now),
                };
                if (await TryReplaceRecordAsync(candidate, claimed, cancellationToken)) return claimed.Record;
            }
            // Every candidate was taken by another worker meanwhile: look again.
        }
        return null; // contended all along: the worker comes back after its idle wait
    }

    public async Task<int> CountQueuedAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var queued = new Filter { Must = { MatchKeyword(RecordFields.Status, Payloads.StatusName(DocumentStatus.Queued)) } };
        var count = await _client.CountAsync(DocumentsCollection, queued, exact: true, cancellationToken: cancellationToken);
        return (int)Math.Min(count, int.MaxValue);
    }

    /// <summary>
    /// Puts back in the queue the documents this replica was processing when it stopped, and those of any replica
    /// whose lease has run out. Documents other live replicas are processing are left to them.
    /// </summary>
    public async Task<int> RequeueInterruptedAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var requeued = 0;
        var processing = new Filter { Must = { MatchKeyword(RecordFields.Status, Payloads.StatusName(DocumentStatus.Processing)) } };
        await foreach (var stored in ScrollRecordsAsync(processing, cancellationToken))
        {
            if (stored.LeaseOwner != _replicaId && stored.LeaseExpires >= now) continue;
            // The queue position is kept: interrupted documents were claimed first, so they go back to the front.
            var queued = stored with
            {
                Record = stored.Record with { Status = DocumentStatus.Queued },
                Revision = NewRevision(),
                LeaseOwner = null,
                LeaseExpires = 0,
            };
            if (await TryReplaceRecordAsync(stored, queued, cancellationToken)) requeued++;
        }
        return requeued;
    }

    public async Task<bool> RenewClaimAsync(DocumentRecord claimed, CancellationToken cancellationToken = default)
    {
        var renewed = await UpdateRecordAsync(claimed.Index, claimed.Id, current =>
            current is { LeaseOwner: not null } && current.LeaseOwner == _replicaId && current.Record.Status == DocumentStatus.Processing
                && current.Record.Sha256 == claimed.Sha256
                ? current with { Revision = NewRevision(), LeaseExpires = LeaseEnd(_clock.GetUtcNow()) }
                : null, cancellationToken);
        return renewed is not null;
    }

    public async Task CompleteDocumentAsync(DocumentRecord record, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in chunks)
        {
            if (chunk.Vector.Length != _options.Dimensions)
                throw new ArgumentException($"chunk {chunk.ChunkId} has a {chunk.Vector.Length}-dimension vector; the Qdrant collection holds {_options.Dimensions}-dimension vectors", nameof(chunks));
        }
        await EnsureCollectionsAsync(cancellationToken);

        // 1. The new version's chunks, invisible until the record names their version.
        var version = NextTick();
        foreach (var batch in chunks.Chunk(WriteBatch))
        {
            var points = batch.Select(chunk => ChunkPoint(record, version, chunk)).ToList();
            await _client.UpsertAsync(ChunksCollection, points, cancellationToken: cancellationToken);
        }

        // 2. The commit: one record write makes them visible, unless a newer version was committed meanwhile or the
        //    document was deleted after this version began.
        var committed = await UpdateRecordAsync(record.Index, record.Id, (current, deletedAt) =>
            current?.ActiveVersion > version || deletedAt > version
                ? null
                : new StoredRecord(record, version, chunks.Count, NewRevision(),
                    current is not null && current.Record.Status == DocumentStatus.Queued && record.Status == DocumentStatus.Queued ? current.QueuedAt : NextTick()),
            cancellationToken);

        // 3. Older versions go; a version that lost to a newer one removes itself.
        var obsolete = committed is not null
            ? QdrantFilters.OlderVersions(record.Index, record.Id, version)
            : QdrantFilters.Version(record.Index, record.Id, version);
        await _client.DeleteAsync(ChunksCollection, obsolete, cancellationToken: cancellationToken);
    }

    private static PointStruct ChunkPoint(DocumentRecord record, long version, StoredChunk chunk)
    {
        var (values, indices) = KeywordVectors.ForChunk(chunk.Text, chunk.Heading);
        var vectors = new NamedVectors();
        vectors.Vectors.Add(DenseVector, chunk.Vector.ToArray());
        vectors.Vectors.Add(KeywordVector, new Vector { Sparse = new SparseVector { Values = { values }, Indices = { indices } } });
        var point = new PointStruct
        {
            Id = PointIds.Chunk(record.Index, record.Id, version, chunk.Ordinal),
            Vectors = new Vectors { Vectors_ = vectors },
        };
        point.Payload.Add(Payloads.FromChunk(record, version, chunk));
        return point;
    }
}
