using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace DocQa.Storage.Qdrant;

// Vector, keyword and hybrid search, keeping only chunks of each document's visible version.
public sealed partial class QdrantDocumentStore
{
    public Task<IReadOnlyList<Passage>> VectorSearchAsync(string index, ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        CheckQueryVector(query);
        return SearchAsync(index, top, (limit, ct) => _client.QueryAsync(ChunksCollection, QdrantQueries.Dense(query), usingVector: DenseVector,
            filter: QdrantFilters.Search(index, filter), limit: limit, payloadSelector: true, cancellationToken: ct), cancellationToken);
    }

    public Task<IReadOnlyList<Passage>> KeywordSearchAsync(string index, string query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        var terms = KeywordVectors.ForQuery(query);
        if (terms.Indices.Length == 0) return Task.FromResult<IReadOnlyList<Passage>>([]);
        return SearchAsync(index, top, (limit, ct) => _client.QueryAsync(ChunksCollection, QdrantQueries.Keywords(terms), usingVector: KeywordVector,
            filter: QdrantFilters.Search(index, filter), limit: limit, payloadSelector: true, cancellationToken: ct), cancellationToken);
    }

    public async Task<IReadOnlyList<Passage>> OpeningPassagesAsync(string index, string documentId, int count, CancellationToken cancellationToken = default)
    {
        if (count <= 0) return [];
        await EnsureCollectionsAsync(cancellationToken);
        var records = await ReadRecordsAsync(index, [documentId], cancellationToken);
        if (!records.TryGetValue(documentId, out var stored) || stored.ActiveVersion is not { } version) return [];
        var filter = QdrantFilters.Version(index, documentId, version);
        filter.Must.Add(global::Qdrant.Client.Grpc.Conditions.Range(ChunkFields.Ordinal, new global::Qdrant.Client.Grpc.Range { Lt = count }));
        var page = await _client.ScrollAsync(ChunksCollection, filter, limit: (uint)count, payloadSelector: true, cancellationToken: cancellationToken);
        return page.Result
            .Select(point => Payloads.ToPassage(point.Payload, stored.Record.FileName, 0))
            .OrderBy(passage => passage.Ordinal)
            .ToList();
    }

    public async Task<IReadOnlyList<StoredChunk>> ChunksOfAsync(string index, string documentId, CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var records = await ReadRecordsAsync(index, [documentId], cancellationToken);
        if (!records.TryGetValue(documentId, out var stored) || stored.ActiveVersion is not { } version) return [];
        var chunks = new List<StoredChunk>(stored.ActiveChunks);
        PointId? offset = null;
        do
        {
            var page = await _client.ScrollAsync(ChunksCollection, QdrantFilters.Version(index, documentId, version), limit: (uint)WriteBatch,
                offset: offset, payloadSelector: true, cancellationToken: cancellationToken);
            chunks.AddRange(page.Result.Select(point => Payloads.ToChunk(point.Payload)));
            offset = page.NextPageOffset;
        } while (offset is not null);
        return chunks.OrderBy(chunk => chunk.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<StoredChunk>> ChunkRangeAsync(string index, string documentId, int first, int last, CancellationToken cancellationToken = default)
    {
        if (last < first) return [];
        await EnsureCollectionsAsync(cancellationToken);
        var records = await ReadRecordsAsync(index, [documentId], cancellationToken);
        if (!records.TryGetValue(documentId, out var stored) || stored.ActiveVersion is not { } version) return [];
        var filter = QdrantFilters.Version(index, documentId, version);
        filter.Must.Add(global::Qdrant.Client.Grpc.Conditions.Range(ChunkFields.Ordinal, new global::Qdrant.Client.Grpc.Range { Gte = first, Lte = last }));
        var page = await _client.ScrollAsync(ChunksCollection, filter, limit: (uint)Math.Min(last - (long)first + 1, WriteBatch),
            payloadSelector: true, cancellationToken: cancellationToken);
        return page.Result.Select(point => Payloads.ToChunk(point.Payload)).OrderBy(chunk => chunk.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<DocumentRecord>> FindReadyBySha256Async(string index, string sha256, CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var filter = new Filter
        {
            Must =
            {
                MatchKeyword(RecordFields.Index, index),
                MatchKeyword(RecordFields.Sha256, sha256),
                MatchKeyword(RecordFields.Status, Payloads.StatusName(DocumentStatus.Ready)),
            },
        };
        var records = new List<DocumentRecord>();
        await foreach (var stored in ScrollRecordsAsync(filter, cancellationToken))
            if (stored.ActiveVersion is not null) records.Add(stored.Record);
        return records;
    }

    public async Task<IReadOnlyList<StoredChunk>> ChunksWithVectorsAsync(string index, string documentId, CancellationToken cancellationToken = default)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var records = await ReadRecordsAsync(index, [documentId], cancellationToken);
        if (!records.TryGetValue(documentId, out var stored) || stored.ActiveVersion is not { } version) return [];
        var withDense = new WithVectorsSelector { Include = new VectorsSelector { Names = { DenseVector } } };
        var chunks = new List<StoredChunk>(stored.ActiveChunks);
        PointId? offset = null;
        do
        {
            var page = await _client.ScrollAsync(ChunksCollection, QdrantFilters.Version(index, documentId, version), limit: (uint)WriteBatch,
                offset: offset, payloadSelector: true, vectorsSelector: withDense, cancellationToken: cancellationToken);
            foreach (var point in page.Result)
            {
                // A server that does not send dense vectors in this form: nothing to reuse, the copy is embedded anew.
                if (point.Vectors?.Vectors?.Vectors is not { } named || !named.TryGetValue(DenseVector, out var vector) || vector.Dense is null) return [];
                chunks.Add(Payloads.ToChunk(point.Payload) with { Vector = vector.Dense.Data.ToArray() });
            }
            offset = page.NextPageOffset;
        } while (offset is not null);
        return chunks.OrderBy(chunk => chunk.Ordinal).ToList();
    }

    /// <summary>Both candidate lists fetched and fused by Qdrant (weighted reciprocal rank fusion) in one request.</summary>
    public Task<IReadOnlyList<Passage>> HybridSearchAsync(string index, string query, ReadOnlyMemory<float> queryVector, int top,
        HybridFusion fusion, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        CheckQueryVector(queryVector);
        var terms = KeywordVectors.ForQuery(query);
        var chunkFilter = QdrantFilters.Search(index, filter);
        return SearchAsync(index, top, (limit, ct) =>
        {
            var (fused, prefetch) = QdrantQueries.Hybrid(queryVector, terms, fusion, chunkFilter, limit);
            return _client.QueryAsync(ChunksCollection, fused, prefetch, filter: chunkFilter, limit: limit, payloadSelector: true, cancellationToken: ct);
        }, cancellationToken);
    }

    private void CheckQueryVector(ReadOnlyMemory<float> query)
    {
        if (query.Length != _options.Dimensions)
            throw new ArgumentException($"the query vector has {query.Length} dimensions; the Qdrant collection holds {_options.Dimensions}-dimension vectors", nameof(query));
    }

    /// <summary>
    /// Runs a chunk search and keeps only chunks of their document's visible version, with the document's current file
    /// name. A little more than asked is fetched, since other versions' chunks are dropped; when a replacement is
    /// seen half-way (chunks of another version than the record names) the search runs again, deeper.
    /// </summary>
    private async Task<IReadOnlyList<Passage>> SearchAsync(string index, int top,
        Func<ulong, CancellationToken, Task<IReadOnlyList<ScoredPoint>>> search, CancellationToken cancellationToken)
    {
        if (top <= 0) return [];
        await EnsureCollectionsAsync(cancellationToken);
        var limit = (ulong)(top + top / 2 + 8);
        for (var attempt = 0; ; attempt++)
        {
            var points = await search(limit, cancellationToken);
            var documentIds = points.Select(point => Payloads.String(point.Payload, ChunkFields.DocumentId)!).Distinct(StringComparer.Ordinal).ToList();
            var records = await ReadRecordsAsync(index, documentIds, cancellationToken);

            var passages = new List<Passage>(Math.Min(points.Count, top));
            var otherVersions = false;
            foreach (var point in points)
            {
                if (!records.TryGetValue(Payloads.String(point.Payload, ChunkFields.DocumentId)!, out var stored)) continue; // deleted
                if (Payloads.Integer(point.Payload, ChunkFields.Version) != stored.ActiveVersion)
                {
                    otherVersions = true;
                    continue;
                }
                if (passages.Count < top) passages.Add(Payloads.ToPassage(point.Payload, stored.Record.FileName, point.Score));
            }

            // Full, or nothing more to find: done. Short because chunks were dropped: again, deeper (and after a
            // moment when a replacement was in flight). Versions a crash left behind make it try twice more at most.
            var exhausted = (ulong)points.Count < limit;
            if (passages.Count >= top || exhausted && !otherVersions || attempt == 2) return passages;
            limit *= 2;
            if (otherVersions) await Task.Delay(TimeSpan.FromMilliseconds(20 * (attempt + 1)), cancellationToken);
        }
    }
}
