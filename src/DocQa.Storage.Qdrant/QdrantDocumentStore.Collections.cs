using DocQa.Core.Storage;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Qdrant.Client.Grpc;

namespace DocQa.Storage.Qdrant;

// Collection set-up: created when missing, checked against the embedding model when they exist.
public sealed partial class QdrantDocumentStore
{
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
}
