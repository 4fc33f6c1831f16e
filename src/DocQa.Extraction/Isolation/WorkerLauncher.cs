using System.Collections.Concurrent;
using System.Diagnostics;

namespace DocQa.Extraction.Isolation;

/// <summary>
/// Starts the extraction workers from one thread that lives as long as the process. On Linux a worker asks the
/// kernel to kill it when its parent dies (PR_SET_PDEATHSIG), and the kernel counts the parent as the thread that
/// started the child: started from a pool thread, which ends after a while idle, a worker would be killed with
/// the server still running. Started from this thread, it dies with the server and only then.
/// </summary>
internal static class WorkerLauncher
{
    private static readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process?> Started)> Requests = [];
    private static readonly Lazy<Thread> Launcher = new(() =>
    {
        var thread = new Thread(Serve) { IsBackground = true, Name = "docqa-extract launcher" };
        thread.Start();
        return thread;
    });

    /// <summary>What <see cref="Process.Start(ProcessStartInfo)"/> returns or throws, called on the launcher thread.</summary>
    public static Process? Start(ProcessStartInfo start)
    {
        _ = Launcher.Value;
        var started = new TaskCompletionSource<Process?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((start, started));
        return started.Task.GetAwaiter().GetResult();
    }

    private static void Serve()
    {
        foreach (var (start, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(start));
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}
