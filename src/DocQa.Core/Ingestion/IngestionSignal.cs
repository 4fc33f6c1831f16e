namespace DocQa.Core.Ingestion;

/// <summary>Wakes the ingestion workers when a document is queued, so they need not poll often.</summary>
public sealed class IngestionSignal
{
    private TaskCompletionSource _next = NewSource();

    public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    /// <summary>Completes at the next <see cref="Notify"/> or after <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref _next).Task;
        await Task.WhenAny(next, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
