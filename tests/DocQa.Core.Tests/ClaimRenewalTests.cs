using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DocQa.Core.Tests;

/// <summary>Claims on a shared store are renewed while a document is processed, and no longer once it is done.</summary>
public sealed class ClaimRenewalTests
{
    private static readonly DocumentRecord Claimed = new() { Index = "i", Id = "doc", FileName = "doc.pdf", ContentType = "application/pdf", Sha256 = "00", Status = DocumentStatus.Processing };

    [Fact]
    public async Task AClaim_IsRenewedUntilDisposed()
    {
        var store = new LeasingStore(lost: false);

        var renewal = ClaimRenewal.Start(store, Claimed, TimeProvider.System, NullLogger.Instance, CancellationToken.None);
        Assert.NotNull(renewal);
        await WaitUntil(() => store.Renewals >= 3);
        await renewal.DisposeAsync();
        var afterDispose = store.Renewals;
        await Task.Delay(100);

        Assert.Equal(afterDispose, store.Renewals);
        Assert.All(store.Renewed, record => Assert.Same(Claimed, record));
    }

    [Fact]
    public async Task ALostClaim_IsNotRenewedAgain()
    {
        var store = new LeasingStore(lost: true);

        await using (ClaimRenewal.Start(store, Claimed, TimeProvider.System, NullLogger.Instance, CancellationToken.None))
        {
            await WaitUntil(() => store.Renewals >= 1);
            await Task.Delay(100);
        }

        Assert.Equal(1, store.Renewals);
    }

    [Fact]
    public void AStoreWithoutLeases_NeedsNoRenewal()
    {
        Assert.Null(ClaimRenewal.Start(leases: null, Claimed, TimeProvider.System, NullLogger.Instance, CancellationToken.None));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.True(condition());
    }

    private sealed class LeasingStore(bool lost) : IClaimLeases
    {
        public List<DocumentRecord> Renewed { get; } = [];
        public int Renewals => Renewed.Count;
        public TimeSpan RenewalInterval => TimeSpan.FromMilliseconds(10);

        public Task<bool> RenewClaimAsync(DocumentRecord claimed, CancellationToken cancellationToken = default)
        {
            lock (Renewed) Renewed.Add(claimed);
            return Task.FromResult(!lost);
        }
    }
}
