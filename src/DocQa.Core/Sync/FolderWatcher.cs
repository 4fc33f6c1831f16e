namespace DocQa.Core.Sync;

/// <summary>
/// Runs a sync of a folder at start, again once its files have been quiet for <paramref name="debounce"/> after a
/// change, and every <paramref name="rescan"/> regardless: file system events get lost (a full buffer, a network share
/// that sends none), and the rescan catches whatever they missed. A sync that fails is reported and tried again at the
/// next change or rescan.
/// </summary>
public sealed class FolderWatcher(string path, TimeSpan debounce, TimeSpan rescan)
{
    public async Task RunAsync(Func<CancellationToken, Task> sync, Action<Exception> failed, CancellationToken cancellationToken)
    {
        using var changed = new SemaphoreSlim(0);
        void Changed() => changed.Release();
        void Drain()
        {
            while (changed.Wait(0, CancellationToken.None)) { }
        }

        using var watcher = new FileSystemWatcher(path)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        watcher.Created += (_, _) => Changed();
        watcher.Changed += (_, _) => Changed();
        watcher.Deleted += (_, _) => Changed();
        watcher.Renamed += (_, _) => Changed();
        watcher.Error += (_, _) => Changed(); // events were lost: sync to find out what they were
        watcher.EnableRaisingEvents = true;

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await sync(cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failed(e);
            }

            // Wait for a change or the rescan; after a change, until the folder has been quiet for the debounce time.
            if (await changed.WaitAsync(rescan, cancellationToken))
                while (await changed.WaitAsync(debounce, cancellationToken))
                    Drain();
        }
    }
}
