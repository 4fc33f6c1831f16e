using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace DocQa.Storage.Qdrant;

/// <summary>
/// The scale-out store: chunks with their dense and keyword (sparse) vectors in one Qdrant collection, document
/// records (statuses, the queue, leases) in a second, so every server replica sees the same documents.
/// <para>
/// Tenancy: one shared chunks collection for every DocQa index, partitioned by the "index" payload field indexed as
/// Qdrant's tenant key, rather than one collection per index. Qdrant recommends this for many tenants: each collection
/// costs memory and background work of its own, while tenant-keyed points are stored together per index and a search
/// inside one index reads only its points. Indexes come and go with uploads, and would otherwise each need a
/// collection created at run time. The price: keyword IDF is computed over all indexes together.
/// </para>
/// <para>
/// Consistency: a document's chunks carry a version; its record names the visible one. Replacing a document writes
/// the new version's chunks first, then commits by updating the record (one point write), then deletes older
/// versions. Searches keep only chunks of their document's visible version, so a crash at any step shows the old set
/// or the new one, never a mix. Records change by compare-and-set on a revision (Qdrant's conditional upsert), so
/// two replicas never both claim a document; if a replica's lease runs out while it still works, both may process
/// the document, and the newer version wins. A deleted document leaves a tombstone, so a version committed after the
/// deletion is refused.
/// </para>
/// </summary>
public sealed class QdrantDocumentStore : IDocumentStore, IHybridSearchStore, IClaimLeases, IStoreInitializer, IDisposable
{
    public const string DenseVector = QdrantQueries.DenseVector;
    public const string KeywordVector = QdrantQueries.KeywordVector;

    private const int WriteBatch = 128;
    private const int MaxCompareAndSetTries = 100;

    // Record writes go through each shard's leader, so a compare-and-set sees the latest revision.
    private const WriteOrderingType Strong = WriteOrderingType.Strong;

    private readonly QdrantClient _client;
    private readonly QdrantStoreOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly string _replicaId;
    private readonly Uri _address;
    private readonly SemaphoreSlim _setup = new(1, 1);
    private volatile bool _ready;
    private long _lastTick;

    public QdrantDocumentStore(IOptions<QdrantStoreOptions> options, ILogger<QdrantDocumentStore>? logger = null, TimeProvider? clock = null)
    {
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _replicaId = string.IsNullOrWhiteSpace(_options.ReplicaId) ? Environment.MachineName : _options.ReplicaId;
        _address = AddressOf(_options);
        _client = CreateClient(_options);
    }

    public string ChunksCollection => _options.CollectionPrefix + "_chunks";
    public string DocumentsCollection => _options.CollectionPrefix + "_documents";

    public TimeSpan RenewalInterval => TimeSpan.FromSeconds(_options.LeaseSeconds / 3.0);

    /// <summary>A gRPC client from the options: Url or Host/Port/Https, API key, and a pinned certificate when given.</summary>
    public static QdrantClient CreateClient(QdrantStoreOptions options)
    {
        var channel = QdrantChannel.ForAddress(AddressOf(options), new ClientConfiguration
        {
            ApiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey,
            CertificateThumbprint = string.IsNullOrWhiteSpace(options.CertificateThumbprint) ? null : options.CertificateThumbprint,
        });
        return new QdrantClient(new QdrantGrpcClient(channel));
    }

    private static Uri AddressOf(QdrantStoreOptions options) => !string.IsNullOrWhiteSpace(options.Url)
        ? new Uri(options.Url)
        : new UriBuilder(options.Https ? "https" : "http", options.Host, options.Port).Uri;

    // --- Collections ---

    Task IStoreInitializer.InitializeAsync(CancellationToken cancellationToken) => EnsureCollectionsAsync(cancellationToken);

    /// <summary>
    /// Creates the collections when they are missing and checks them when they exist: a chunks collection made for
    /// another embedding model (another vector size) stops DocQa here, before anything is written to it.
    /// </summary>
    public async Task EnsureCollectionsAsync(CancellationToken cancellationToken = default)
    {
        if (_ready) return;
        await _setup.WaitAsync(cancellationToken);
        try
        {
            if (_ready) return;
            await EnsureChunksCollectionAsync(cancellationToken);
            await EnsureDocumentsCollectionAsync(cancellationToken);
            _ready = true;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            throw new InvalidOperationException(
                $"Qdrant at {_address} refused or could not be reached ({e.StatusCode}: {e.Status.Detail}). Check Storage:Qdrant:Url (the gRPC port, 6334) and Storage:Qdrant:ApiKey.", e);
        }
        finally
        {
            _setup.Release();
        }
    }

    /// <summary>Deletes both collections with everything in them.</summary>
    public async Task DropCollectionsAsync(CancellationToken cancellationToken = default)
    {
        foreach (var name in new[] { ChunksCollection, DocumentsCollection })
        {
            if (await _client.CollectionExistsAsync(name, cancellationToken))
                await _client.DeleteCollectionAsync(name, cancellationToken: cancellationToken);
        }
        _ready = false;
    }

    private async Task EnsureChunksCollectionAsync(CancellationToken cancellationToken)
    {
        var name = ChunksCollection;
        if (!await _client.CollectionExistsAsync(name, cancellationToken))
        {
            await CreateCollectionAsync(new CreateCollection
            {
                CollectionName = name,
                VectorsConfig = new VectorsConfig
                {
                    ParamsMap = new VectorParamsMap { Map = { [DenseVector] = new VectorParams { Size = (ulong)_options.Dimensions, Distance = Distance.Cosine } } },
                },
                SparseVectorsConfig = new SparseVectorConfig { Map = { [KeywordVector] = new SparseVectorParams { Modifier = Modifier.Idf } } },
            }, cancellationToken);
            await CreateKeywordIndexAsync(name, ChunkFields.Index, isTenant: true, cancellationToken);
            await CreateKeywordIndexAsync(name, ChunkFields.DocumentId, isTenant: false, cancellationToken);
            await CreateKeywordIndexAsync(name, ChunkFields.Tags, isTenant: false, cancellationToken);
            await CreateKeywordIndexAsync(name, ChunkFields.Metadata, isTenant: false, cancellationToken);
            await CreateKeywordIndexAsync(name, ChunkFields.EmbeddingModel, isTenant: false, cancellationToken);
            await _client.CreatePayloadIndexAsync(name, ChunkFields.Version, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
            _logger.LogInformation("Created Qdrant collection {Collection} ({Dimensions} dimensions, cosine, keyword sparse vectors with IDF)", name, _options.Dimensions);
        }

        var info = await _client.GetCollectionInfoAsync(name, cancellationToken);
        CheckChunksCollection(name, info.Config.Params, _options.Dimensions);
    }

    /// <summary>Refuses a chunks collection that this DocQa cannot use as it is, saying what differs.</summary>
    public static void CheckChunksCollection(string name, CollectionParams parameters, int dimensions)
    {
        var vectors = parameters.VectorsConfig;
        if (vectors?.ParamsMap is null || !vectors.ParamsMap.Map.TryGetValue(DenseVector, out var dense))
            throw new InvalidOperationException($"The Qdrant collection '{name}' has no vector named '{DenseVector}': it was not made by DocQa. Use another Storage:Qdrant:CollectionPrefix.");
        if ((int)dense.Size != dimensions)
            throw new InvalidOperationException(
                $"The Qdrant collection '{name}' holds {dense.Size}-dimension vectors, but the embedding model makes {dimensions}-dimension vectors. " +
                "Use another Storage:Qdrant:CollectionPrefix for this model, or delete the collection to re-ingest the documents.");
        if (dense.Distance != Distance.Cosine)
            throw new InvalidOperationException($"The Qdrant collection '{name}' compares vectors by {dense.Distance}; DocQa needs Cosine.");
        if (parameters.SparseVectorsConfig is null || !parameters.SparseVectorsConfig.Map.TryGetValue(KeywordVector, out var sparse) || sparse.Modifier != Modifier.Idf)
            throw new InvalidOperationException($"The Qdrant collection '{name}' has no sparse vector '{KeywordVector}' with the IDF modifier, which keyword search needs.");
    }

    private async Task EnsureDocumentsCollectionAsync(CancellationToken cancellationToken)
    {
        var name = DocumentsCollection;
        if (await _client.CollectionExistsAsync(name, cancellationToken)) return;
        // Records need no vector; a one-dimension placeholder keeps to what every Qdrant version accepts.
        await CreateCollectionAsync(new CreateCollection
        {
            CollectionName = name,
            VectorsConfig = new VectorsConfig { Params = new VectorParams { Size = 1, Distance = Distance.Dot } },
        }, cancellationToken);
        await CreateKeywordIndexAsync(name, RecordFields.Index, isTenant: true, cancellationToken);
        await CreateKeywordIndexAsync(name, RecordFields.Status, isTenant: false, cancellationToken);
        await _client.CreatePayloadIndexAsync(name, RecordFields.QueuedAt, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
        await _client.CreatePayloadIndexAsync(name, RecordFields.LeaseExpires, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
    }

    private async Task CreateCollectionAsync(CreateCollection request, CancellationToken cancellationToken)
    {
        if (_options.ShardNumber > 0) request.ShardNumber = (uint)_options.ShardNumber;
        if (_options.ReplicationFactor > 0) request.ReplicationFactor = (uint)_options.ReplicationFactor;
        try
        {
            await _client.CreateCollectionAsync(request, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            // Another replica created it first; it is checked like any existing collection.
        }
    }

    private Task CreateKeywordIndexAsync(string collection, string field, bool isTenant, CancellationToken cancellationToken) =>
        _client.CreatePayloadIndexAsync(collection, field, PayloadSchemaType.Keyword,
            new PayloadIndexParams { KeywordIndexParams = new KeywordIndexParams { IsTenant = isTenant } },
            cancellationToken: cancellationToken);

    // --- Indexes and document records ---

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

    // --- The ingestion queue ---

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

    // --- Search ---

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

    // --- Records: reads and compare-and-set writes ---

    /// <summary>A record point as stored: the live record (null when there is none, or a tombstone), its revision (null when there is no point) and when it was deleted (0 if not).</summary>
    private sealed record RecordPoint(StoredRecord? Live, string? Revision, long DeletedAt);

    private async Task<StoredRecord?> ReadRecordAsync(string index, string id, CancellationToken cancellationToken) =>
        (await ReadPointAsync(index, id, cancellationToken)).Live;

    private async Task<RecordPoint> ReadPointAsync(string index, string id, CancellationToken cancellationToken) =>
        (await ReadPointsAsync(index, [id], cancellationToken)).GetValueOrDefault(id) ?? new RecordPoint(null, null, 0);

    /// <summary>The live records among these documents (deleted ones left out).</summary>
    private async Task<Dictionary<string, StoredRecord>> ReadRecordsAsync(string index, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        (await ReadPointsAsync(index, ids, cancellationToken))
            .Where(entry => entry.Value.Live is not null)
            .ToDictionary(entry => entry.Key, entry => entry.Value.Live!, StringComparer.Ordinal);

    private async Task<Dictionary<string, RecordPoint>> ReadPointsAsync(string index, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var result = new Dictionary<string, RecordPoint>(StringComparer.Ordinal);
        if (ids.Count == 0) return result;
        var points = await _client.RetrieveAsync(DocumentsCollection, ids.Select(id => (PointId)PointIds.Document(index, id)).ToList(),
            withPayload: true, withVectors: false, cancellationToken: cancellationToken);
        foreach (var point in points)
        {
            var payload = point.Payload;
            if (Payloads.String(payload, RecordFields.Index) != index || Payloads.String(payload, RecordFields.Id) is not { } id) continue;
            result[id] = Payloads.IsTombstone(payload)
                ? new RecordPoint(null, Payloads.String(payload, RecordFields.Revision), Payloads.Integer(payload, RecordFields.DeletedAt))
                : new RecordPoint(Payloads.ToRecord(payload), Payloads.String(payload, RecordFields.Revision), 0);
        }
        return result;
    }

    private async IAsyncEnumerable<StoredRecord> ScrollRecordsAsync(Filter? filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        PointId? offset = null;
        do
        {
            var page = await _client.ScrollAsync(DocumentsCollection, filter, limit: 256, offset: offset, payloadSelector: true, cancellationToken: cancellationToken);
            foreach (var point in page.Result.Where(point => !Payloads.IsTombstone(point.Payload))) yield return Payloads.ToRecord(point.Payload);
            offset = page.NextPageOffset;
        } while (offset is not null);
    }

    /// <summary>
    /// Read, change, write with compare-and-set, again until no other writer came in between. <paramref name="change"/>
    /// gets the current record (null when there is none) and returns the new one, or null to leave it; the result is
    /// what was written, or null.
    /// </summary>
    private Task<StoredRecord?> UpdateRecordAsync(string index, string id, Func<StoredRecord?, StoredRecord?> change, CancellationToken cancellationToken) =>
        UpdateRecordAsync(index, id, (current, _) => change(current), cancellationToken);

    /// <summary>As above; <paramref name="change"/> also gets when the document was deleted (0 if it was not).</summary>
    private async Task<StoredRecord?> UpdateRecordAsync(string index, string id, Func<StoredRecord?, long, StoredRecord?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxCompareAndSetTries; attempt++)
        {
            var current = await ReadPointAsync(index, id, cancellationToken);
            var next = change(current.Live, current.DeletedAt);
            if (next is null) return null;
            if (await TryWritePointAsync(index, id, current.Revision, Payloads.FromRecord(next), next.Revision, cancellationToken)) return next;
            await Task.Delay(Random.Shared.Next(1, 5 + attempt), cancellationToken);
        }
        throw ContendedRecord(index, id);
    }

    private static InvalidOperationException ContendedRecord(string index, string id) =>
        new($"The record of {index}/{id} kept changing under this write; gave up after {MaxCompareAndSetTries} tries.");

    private Task<bool> TryReplaceRecordAsync(StoredRecord expected, StoredRecord replacement, CancellationToken cancellationToken) =>
        TryWritePointAsync(replacement.Record.Index, replacement.Record.Id, expected.Revision, Payloads.FromRecord(replacement), replacement.Revision, cancellationToken);

    /// <summary>
    /// Writes a record point only if the stored one still has <paramref name="expectedRevision"/> (or, when null,
    /// there is none), then reads it back: true when this write, of <paramref name="revision"/>, is the one stored.
    /// </summary>
    private async Task<bool> TryWritePointAsync(string index, string id, string? expectedRevision, Dictionary<string, Value> payload,
        string revision, CancellationToken cancellationToken)
    {
        var point = new PointStruct { Id = PointIds.Document(index, id), Vectors = new[] { 1f } };
        point.Payload.Add(payload);
        var request = new UpsertPoints
        {
            CollectionName = DocumentsCollection,
            Wait = true,
            Ordering = new WriteOrdering { Type = Strong },
            Points = { point },
            UpdateMode = expectedRevision is null ? UpdateMode.InsertOnly : UpdateMode.UpdateOnly,
        };
        if (expectedRevision is not null) request.UpdateFilter = MatchKeyword(RecordFields.Revision, expectedRevision);
        await _client.UpsertAsync(request, cancellationToken);

        return (await ReadPointAsync(index, id, cancellationToken)).Revision == revision;
    }

    private static string NewRevision() => Guid.NewGuid().ToString("N");

    private long LeaseEnd(DateTimeOffset now) => now.AddSeconds(_options.LeaseSeconds).ToUnixTimeMilliseconds();

    /// <summary>Microseconds since 1970, increasing within this process: chunk versions and queue positions.</summary>
    private long NextTick()
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        while (true)
        {
            var last = Interlocked.Read(ref _lastTick);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastTick, next, last) == last) return next;
        }
    }

    private static bool SameTags(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(tag => b.TryGetValue(tag.Key, out var value) && value == tag.Value);

    public void Dispose()
    {
        _client.Dispose();
        _setup.Dispose();
    }
}
