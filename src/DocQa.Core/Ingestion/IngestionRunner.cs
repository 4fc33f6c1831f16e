using DocQa.Core.Documents;
using DocQa.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Ingestion;

/// <summary>
/// Works through the ingestion queue kept in the store with a few concurrent workers. The server runs it for
/// as long as it lives; the CLI runs it until the queue is empty.
/// </summary>
public sealed class IngestionRunner(
    IIngestionQueue queue,
    DocumentProcessor processor,
    IngestionSignal signal,
    IOptions<IngestionOptions> options,
    ILogger<IngestionRunner> logger)
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(5);

    // Indexes that have had a claim in the current round of turns (see ClaimInTurnAsync).
    private readonly HashSet<string> _servedThisRound = new(StringComparer.Ordinal);

    /// <summary>Raised after each document is processed (ready or failed).</summary>
    public event Action<DocumentRecord>? DocumentProcessed;

    /// <summary>Puts documents left in processing by a stopped process back in the queue.</summary>
    public async Task ResumeInterruptedAsync(CancellationToken cancellationToken = default)
    {
        var requeued = await queue.RequeueInterruptedAsync(cancellationToken);
        if (requeued > 0) logger.LogInformation("Resuming {Count} documents interrupted by the last shutdown", requeued);
    }

    /// <summary>Processes queued documents until cancelled, waiting for new ones when the queue is empty.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Workers).Select(_ => WorkAsync(untilEmpty: false, cancellationToken)));

    /// <summary>Processes queued documents and returns once the queue is empty.</summary>
    public Task RunUntilEmptyAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Workers).Select(_ => WorkAsync(untilEmpty: true, cancellationToken)));

    /// <summary>
    /// What the CLI does: resumes documents a stopped process left half done, then processes the queue until it is
    /// empty, reporting each document as it finishes.
    /// </summary>
    public async Task DrainAsync(Action<DocumentRecord> processed, CancellationToken cancellationToken = default)
    {
        DocumentProcessed += processed;
        try
        {
            await ResumeInterruptedAsync(cancellationToken);
            await RunUntilEmptyAsync(cancellationToken);
        }
        finally
        {
            DocumentProcessed -= processed;
        }
    }

    /// <summary>
    /// Claims the next document so that indexes take turns: within a round each index with queued documents gets one
    /// claim, oldest first, before any index gets a second. One writer's thousand uploads (or its slow, hostile files)
    /// then hold back every other index by at most one document per worker, not by the whole backlog.
    /// </summary>
    private async Task<DocumentRecord?> ClaimInTurnAsync(CancellationToken cancellationToken)
    {
        string[] servedThisRound;
        lock (_servedThisRound) servedThisRound = [.. _servedThisRound];
        var claimed = await queue.ClaimNextQueuedAsync(servedThisRound, cancellationToken);
        if (claimed is null && servedThisRound.Length > 0)
        {
            // Every index with queued documents has had its turn: a new round.
            lock (_servedThisRound) _servedThisRound.Clear();
            claimed = await queue.ClaimNextQueuedAsync(null, cancellationToken);
        }
        if (claimed is not null)
            lock (_servedThisRound) _servedThisRound.Add(claimed.Index);
        return claimed;
    }

    private async Task WorkAsync(bool untilEmpty, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            DocumentRecord? claimed;
            try
            {
                claimed = await ClaimInTurnAsync(cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogError(e, "Could not read the ingestion queue");
                claimed = null;
            }

            if (claimed is null)
            {
                if (untilEmpty) return;
                await signal.WaitAsync(IdlePoll, cancellationToken);
                continue;
            }

            var result = await processor.ProcessAsync(claimed, cancellationToken);
            DocumentProcessed?.Invoke(result);
        }
    }
}
