using System.Globalization;
using System.Runtime.InteropServices;
using DocQa.Extraction.Isolation;

namespace DocQa.Extraction.Worker;

/// <summary>
/// Ends the worker when its parent is gone, however the parent ended (a failed start, SIGKILL, a crash). Standard
/// input closing is the usual sign, but a process that is stopped (SIGSTOP, SIGTTOU) cannot act on it, and a
/// worker left stopped would linger for ever. On Linux the kernel itself kills the worker when its parent dies
/// (PR_SET_PDEATHSIG, which works on a stopped process too), and a watch thread compares the parent process
/// with the one that started the worker as a second line.
/// </summary>
internal static class ParentWatch
{
    private const int PR_SET_PDEATHSIG = 1;
    private const int SIGKILL = 9;

    /// <summary>Arms the watch; exits at once if the parent named by <paramref name="parentVariable"/> (a process id) is already gone.</summary>
    public static void Start(string? parentVariable)
    {
        if (!OperatingSystem.IsLinux()) return;

        // The signal comes when the thread that started the worker ends; the parent starts its workers from a
        // thread that lives as long as the process does (see WorkerLauncher).
        _ = prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

        // The parent may have died before the call above: the worker then belongs to another process already.
        // Started by hand, without the variable, the worker watches the parent it has now.
        var parent = int.TryParse(parentVariable, NumberStyles.None, CultureInfo.InvariantCulture, out var named) ? named : getppid();
        if (parent <= 1) return;
        if (getppid() != parent) Environment.Exit(WorkerProtocol.ExitParentGone);

        new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(TimeSpan.FromSeconds(1));
                if (getppid() != parent) Environment.Exit(WorkerProtocol.ExitParentGone);
            }
        }) { IsBackground = true, Name = "parent watch" }.Start();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc")]
    private static extern int getppid();
}
