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
    IDocumentStore store,
    DocumentProcessor processor,
    IngestionSignal signal,
    IOptions<IngestionOptions> options,
    ILogger<IngestionRunner> logger)
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(5);

    /// <summary>Raised after each document is processed (ready or failed).</summary>
    public event Action<DocumentRecord>? DocumentProcessed;

    /// <summary>Puts documents left in processing by a stopped process back in the queue.</summary>
    public async Task ResumeInterruptedAsync(CancellationToken cancellationToken = default)
    {
        var requeued = await store.RequeueInterruptedAsync(cancellationToken);
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

    private async Task WorkAsync(bool untilEmpty, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            DocumentRecord? claimed;
            try
            {
                claimed = await store.ClaimNextQueuedAsync(cancellationToken);
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
