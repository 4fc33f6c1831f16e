using DocQa.Core.Documents;

namespace DocQa.Core.Storage;

/// <summary>
/// A store shared by several processes, whose claims on queued documents are leases that run out: a document whose
/// process died is claimed again by another once its lease has run out. While a document is processed its lease is
/// renewed. The embedded store, owned by one process, does not need it.
/// </summary>
public interface IClaimLeases
{
    /// <summary>How often a claim is renewed while its document is processed.</summary>
    TimeSpan RenewalInterval { get; }

    /// <summary>Extends this process's claim on a document it is processing; false when the claim was lost (taken by another).</summary>
    Task<bool> RenewClaimAsync(DocumentRecord claimed, CancellationToken cancellationToken = default);
}
