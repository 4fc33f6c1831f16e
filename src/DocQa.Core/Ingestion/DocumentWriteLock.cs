namespace DocQa.Core.Ingestion;

/// <summary>
/// Serializes the read-check-write steps on document records in this process — uploads, deletes and the
/// completion of a processed document — so that a document deleted or replaced while it was being processed
/// is never brought back by the worker finishing it.
/// </summary>
public sealed class DocumentWriteLock
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Releaser(_gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
