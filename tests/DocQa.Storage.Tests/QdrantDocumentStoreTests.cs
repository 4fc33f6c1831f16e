using DocQa.Core.Documents;
using DocQa.Core.Storage;
using DocQa.Storage.Qdrant;
using Microsoft.Extensions.Options;

namespace DocQa.Storage.Tests;

/// <summary>
/// The same contract on a real Qdrant server, when QDRANT_URL names one (e.g. http://localhost:6334, its gRPC port;
/// QDRANT_API_KEY when it needs one). Each test works in collections of its own, dropped afterwards. Without a
/// server every test reports itself skipped, with the reason.
/// </summary>
public sealed class QdrantDocumentStoreTests : DocumentStoreContract
{
    private const string SkipReason = "QDRANT_URL is not set; the Qdrant contract run needs a Qdrant server";
    private static readonly string? Url = Environment.GetEnvironmentVariable("QDRANT_URL");

    private readonly QdrantStoreOptions _options = new()
    {
        Url = Url,
        ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY"),
        CollectionPrefix = "docqa_test_" + Guid.NewGuid().ToString("N")[..12],
        Dimensions = Dimension,
    };

    protected override bool OneVectorSizeForAllIndexes => true;

    protected override IDocumentStore CreateStore()
    {
        Skip.If(string.IsNullOrWhiteSpace(Url), SkipReason);
        return Track(new QdrantDocumentStore(Options.Create(_options)));
    }

    protected override IDocumentStore ReopenStore(IDocumentStore store)
    {
        ((IDisposable)store).Dispose();
        return Track(new QdrantDocumentStore(Options.Create(_options)));
    }

    [SkippableFact]
    public async Task Collections_MadeForAnotherVectorSize_StopTheStoreWithBothSizes()
    {
        await ((QdrantDocumentStore)CreateStore()).EnsureCollectionsAsync();
        using var otherModel = new QdrantDocumentStore(Options.Create(Copy(dimensions: 16)));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => otherModel.EnsureCollectionsAsync());

        Assert.Contains($"'{_options.CollectionPrefix}_chunks'", error.Message);
        Assert.Contains($"{Dimension}-dimension", error.Message);
        Assert.Contains("16-dimension", error.Message);
    }

    [SkippableFact]
    public async Task AClaim_WhoseLeaseRanOut_IsTakenByAnotherReplica_AndOnlyThen()
    {
        Skip.If(string.IsNullOrWhiteSpace(Url), SkipReason);
        var clock = new ManualClock(T0);
        var first = Track(new QdrantDocumentStore(Options.Create(Copy(replicaId: "first")), clock: clock));
        var second = Track(new QdrantDocumentStore(Options.Create(Copy(replicaId: "second")), clock: clock));
        await first.SaveDocumentAsync(Record("doc", status: DocumentStatus.Queued));

        Assert.Equal(1, (await first.ClaimNextQueuedAsync())!.Attempts);
        Assert.Null(await second.ClaimNextQueuedAsync());
        Assert.Equal(0, await second.RequeueInterruptedAsync()); // the first replica is alive: its work is left to it

        clock.Now = T0.AddSeconds(_options.LeaseSeconds + 1);
        var taken = await second.ClaimNextQueuedAsync();

        Assert.Equal(("doc", 2), (taken?.Id, taken?.Attempts));
        Assert.False(await first.RenewClaimAsync(taken!));
        Assert.True(await second.RenewClaimAsync(taken!));
    }

    private QdrantStoreOptions Copy(int? dimensions = null, string? replicaId = null) => new()
    {
        Url = _options.Url,
        ApiKey = _options.ApiKey,
        CollectionPrefix = _options.CollectionPrefix,
        Dimensions = dimensions ?? _options.Dimensions,
        ReplicaId = replicaId,
    };

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    public override void Dispose()
    {
        if (!string.IsNullOrWhiteSpace(Url))
        {
            using var store = new QdrantDocumentStore(Options.Create(_options));
            store.DropCollectionsAsync().GetAwaiter().GetResult();
        }
        base.Dispose();
    }
}
