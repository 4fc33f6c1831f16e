using DocQa.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Qdrant.Client;
using Qdrant.Client.Grpc;

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
public sealed partial class QdrantDocumentStore : IDocumentStore, IHybridSearchStore, IClaimLeases, IStoreInitializer, IDisposable
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
