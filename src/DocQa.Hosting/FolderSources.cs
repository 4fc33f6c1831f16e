using DocQa.Core.Ingestion;
using DocQa.Core.Sync;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocQa.Hosting;

/// <summary>
/// Keeps each folder of Sources:Folders mirrored in its index while the server runs: a sync at start, after each change
/// (debounced) and at every rescan. The syncs only queue and delete; the ingestion worker reads what they queue.
/// </summary>
public sealed class FolderSources(DocumentLibrary library, IOptions<SourcesOptions> options, ILogger<FolderSources> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sources = options.Value;
        var target = new LibrarySyncTarget(library);
        return Task.WhenAll(sources.SyncFolders().Select(folder => WatchAsync(new FolderSync(folder, target), sources, stoppingToken)));
    }

    private async Task WatchAsync(FolderSync sync, SourcesOptions sources, CancellationToken stoppingToken)
    {
        await Task.Yield(); // let the host finish starting
        var folder = sync.Folder;
        logger.LogInformation("Keeping index {Index} in step with {Folder}", folder.Index, folder.Root);
        var watcher = new FolderWatcher(folder.Root, TimeSpan.FromMilliseconds(sources.DebounceMilliseconds), TimeSpan.FromSeconds(sources.RescanSeconds));
        try
        {
            await watcher.RunAsync(async ct =>
                {
                    var report = await sync.RunAsync(ct);
                    if (report.ChangedAnything || report.Skipped.Count > 0)
                        logger.LogInformation("Synced {Folder} to index {Index}: {Report}", folder.Root, folder.Index, report);
                    foreach (var (path, reason) in report.Skipped)
                        logger.LogWarning("Skipped {Path} in {Folder}: {Reason}", path, folder.Root, reason);
                },
                e => logger.LogError(e, "Syncing {Folder} to index {Index} failed; trying again at the next change or rescan", folder.Root, folder.Index),
                stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the server is stopping
        }
    }
}
