using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DocQa.Core.Extraction;
using DocQa.Extraction.Isolation;

namespace DocQa.Extraction.Tests;

/// <summary>
/// A docqa-extract worker never outlives its parent, however the parent ends, even when the worker is stopped
/// and cannot see its input close. Linux only: that is where the worker asks the kernel to end it with its parent.
/// </summary>
public sealed class OrphanedWorkerTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private static string WorkerPath => Path.Combine(AppContext.BaseDirectory, WorkerProtocol.AssemblyName + ".dll");

    /// <summary>
    /// The parent, a shell, starts the worker as the server does (its own process id in the worker's environment)
    /// and is killed with SIGKILL once the worker has answered a request. A stopped worker is the case seen after a
    /// failed start; a running one whose input stays open (this test keeps it open) has only its parent's death to go by.
    /// </summary>
    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_worker_ends_when_its_parent_is_killed(bool stopped)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the worker watches its parent on Linux");
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // A background command of a non-interactive shell reads /dev/null unless told otherwise: the worker gets
        // the shell's input (this test's pipe) through descriptor 3, and writes to the shell's output.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec 3<&0; {WorkerProtocol.ParentVariable}=$$ \"$0\" \"$1\" <&3 3<&- & echo $!; exec 3<&-; wait");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(WorkerPath);
        start.Environment.Remove(WorkerProtocol.FaultVariable);

        using var parent = Process.Start(start)!;
        var worker = int.Parse(parent.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        try
        {
            Assert.Contains("Moorings", Extract(parent.StandardInput, parent.StandardOutput).AllText(), StringComparison.Ordinal);
            Assert.Equal(parent.Id, ParentOf(worker));

            if (stopped) Signal("STOP", worker);
            parent.Kill(); // SIGKILL: nothing of the parent's own runs
            parent.WaitForExit();
            if (stopped) parent.StandardInput.Close();

            Assert.True(EndsWithin(worker, Grace), $"the worker {worker} is still there ({State(worker)}) {Grace.TotalSeconds} s after its parent was killed");
        }
        finally
        {
            if (!Ended(worker)) Signal("KILL", worker);
        }
    }

    /// <summary>The parent can die before the worker has armed its watch: the worker then sees another parent and ends at once.</summary>
    [SkippableFact]
    public void A_worker_whose_parent_is_already_gone_ends_at_once()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the worker watches its parent on Linux");
        int gone;
        using (var shortLived = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            shortLived.WaitForExit();
            gone = shortLived.Id;
        }
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, // kept open: only the watch can end the worker
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerPath);
        start.Environment[WorkerProtocol.ParentVariable] = gone.ToString(CultureInfo.InvariantCulture);
        start.Environment.Remove(WorkerProtocol.FaultVariable);

        using var worker = Process.Start(start)!;
        try
        {
            Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "the worker did not notice that its parent is gone");
            Assert.Equal(WorkerProtocol.ExitParentGone, worker.ExitCode);
        }
        finally
        {
            if (!worker.HasExited) worker.Kill();
        }
    }

    /// <summary>
    /// The kernel ends a worker when the thread that started it ends: the extractor starts workers from a thread of
    /// its own, so that one started during an extraction on a short-lived thread stays, is reused, and knows its parent.
    /// </summary>
    [SkippableFact]
    public void A_worker_outlives_the_thread_that_started_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the worker watches its parent on Linux");
        var mark = Guid.NewGuid().ToString("N");
        using var extractor = new IsolatedDocumentExtractor(new DocumentExtractor(), new ExtractionLimits(TimeSpan.FromSeconds(30), 256))
        {
            Environment = new Dictionary<string, string> { ["DOCQA_TEST_MARK"] = mark },
        };

        var thread = new Thread(() => extractor.Extract(new MemoryStream(HostileFiles.Text), HostileFiles.TypeOf(DocumentKind.Text)));
        thread.Start();
        thread.Join();
        var worker = Assert.Single(ProcessesMarked(mark));
        Assert.Equal($"{WorkerProtocol.ParentVariable}={Environment.ProcessId}", EnvironmentOf(worker, WorkerProtocol.ParentVariable));

        Thread.Sleep(TimeSpan.FromSeconds(2));
        Assert.False(Ended(worker), $"the worker ended with the thread that started it ({State(worker)})");
        Assert.Contains("Moorings", extractor.Extract(new MemoryStream(HostileFiles.Text), HostileFiles.TypeOf(DocumentKind.Text)).AllText(), StringComparison.Ordinal);
        Assert.Equal(worker, Assert.Single(ProcessesMarked(mark)));
    }

    /// <summary>One request to a worker, straight through its input and output.</summary>
    private static ExtractedDocument Extract(StreamWriter input, StreamReader output)
    {
        var path = Path.Combine(Path.GetTempPath(), "docqa-orphan-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, HostileFiles.Text);
        try
        {
            var type = HostileFiles.TypeOf(DocumentKind.Text);
            input.WriteLine(JsonSerializer.Serialize(new WorkerRequest(path, type.Kind, type.MediaType, 30), WorkerProtocol.Json));
            input.Flush();
            var reply = JsonSerializer.Deserialize<WorkerReply>(output.ReadLine()!, WorkerProtocol.Json)!;
            Assert.Null(reply.Error);
            return reply.Document!;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool EndsWithin(int pid, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!Ended(pid))
        {
            if (clock.Elapsed > limit) return false;
            Thread.Sleep(50);
        }
        return true;
    }

    /// <summary>Gone, or dead and waiting to be reaped by whichever process adopted it.</summary>
    private static bool Ended(int pid) => State(pid) is null or "Z" or "X";

    /// <summary>The state letter in /proc/{pid}/stat (R, S, T, Z...), or null when there is no such process.</summary>
    private static string? State(int pid) => StatFields(pid)?[0];

    private static int? ParentOf(int pid) => StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    /// <summary>The fields of /proc/{pid}/stat after the command name (which may hold spaces and parentheses).</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? EnvironmentOf(int pid, string name)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').FirstOrDefault(v => v.StartsWith(name + "=", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The live processes whose environment holds DOCQA_TEST_MARK=<paramref name="mark"/>.</summary>
    private static List<int> ProcessesMarked(string mark) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && !Ended(pid) && EnvironmentOf(pid, "DOCQA_TEST_MARK") == "DOCQA_TEST_MARK=" + mark)];

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
