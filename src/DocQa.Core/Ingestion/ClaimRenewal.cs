using DocQa.Core.Documents;
using DocQa.Core.Storage;
using Microsoft.Extensions.Logging;

namespace DocQa.Core.Ingestion;

/// <summary>
/// Keeps a claim on a document alive while it is processed, when the store's claims are leases that run out
/// (<see cref="IClaimLeases"/>); with any other store it does nothing. Disposing stops it.
/// </summary>
public sealed class ClaimRenewal : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _renewing;

    private ClaimRenewal(IClaimLeases leases, DocumentRecord claimed, TimeProvider clock, ILogger logger, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _renewing = RenewAsync(leases, claimed, clock, logger, _stop.Token);
    }

    /// <summary>Starts renewing; null (nothing to renew) when the store's claims are not leases.</summary>
    public static ClaimRenewal? Start(IClaimLeases? leases, DocumentRecord claimed, TimeProvider clock, ILogger logger, CancellationToken cancellationToken) =>
        leases is null ? null : new ClaimRenewal(leases, claimed, clock, logger, cancellationToken);

    private static async Task RenewAsync(IClaimLeases leases, DocumentRecord claimed, TimeProvider clock, ILogger logger, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(leases.RenewalInterval, clock, stop);
                if (await leases.RenewClaimAsync(claimed, stop)) continue;
                // Another process took it after the lease ran out; the newer version of its chunks will win.
                logger.LogWarning("The claim on {Index}/{Id} was lost to another process", claimed.Index, claimed.Id);
                return;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Renewing the claim on {Index}/{Id} failed", claimed.Index, claimed.Id);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        _stop.Dispose();
    }
}
