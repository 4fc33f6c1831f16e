namespace DocQa.Core.Answering.Generation;

/// <summary>
/// Back-pressure for the model: at most <c>maxConcurrent</c> answers are generated at once, at most
/// <c>maxQueued</c> more wait their turn, and any request beyond that is refused at once (503 with Retry-After)
/// rather than left to time out.
/// </summary>
public sealed class GenerationGate(int maxConcurrent, int maxQueued)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, maxConcurrent), Math.Max(1, maxConcurrent));
    private int _waiting;

    public int Waiting => Volatile.Read(ref _waiting);

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, cancellationToken)) return new Lease(_slots);
        if (Interlocked.Increment(ref _waiting) > maxQueued)
        {
            Interlocked.Decrement(ref _waiting);
            throw new RequestRejectedException(RejectionKind.Overloaded,
                "The language model is busy with other questions; try again shortly.") { RetryAfter = TimeSpan.FromSeconds(5) };
        }
        try
        {
            await _slots.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        return new Lease(_slots);
    }

    private sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
