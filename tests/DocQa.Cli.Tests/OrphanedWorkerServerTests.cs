using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace DocQa.Cli.Tests;

/// <summary>
/// The real server's extraction workers (docqa-extract) do not outlive it, however it ends. Workers are found by a
/// mark in their environment, which they inherit from the server. Linux only (/proc, and the kernel's parent-death signal).
/// </summary>
public sealed class OrphanedWorkerServerTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private readonly string _data = Directory.CreateTempSubdirectory("docqa-orphans-").FullName;
    private readonly string _mark = Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        foreach (var worker in Workers()) Signal("KILL", worker);
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_stopped_worker_ends_when_the_server_is_killed()
    {
        if (!OperatingSystem.IsLinux()) return;
        // The worker hangs, so that it is busy when the server dies; stopped, it cannot see its input close.
        var (server, url) = await ChildProcess.StartServerAsync(_data, ["--Ingestion:ExtractionTimeoutSeconds=600"],
            new Dictionary<string, string> { ["DOCQA_EXTRACT_FAULT"] = "hang", ["DOCQA_TEST_MARK"] = _mark });
        int worker;
        try
        {
            using var http = new HttpClient { BaseAddress = url };
            await UploadAsync(http, "stuck");
            worker = await WaitForWorkerAsync();
            await WaitForWatchAsync(worker);
            Signal("STOP", worker);
        }
        finally
        {
            server.Kill(entireProcessTree: false); // SIGKILL: nothing of the server's own runs
            await server.WaitForExitAsync();
            server.Dispose();
        }
        Assert.True(await EndsWithinAsync(worker), $"the worker {worker} is still there ({State(worker)}) {Grace.TotalSeconds} s after the server was killed");
    }

    [Fact]
    public async Task A_server_that_fails_to_start_while_seeding_leaves_no_worker_behind()
    {
        if (!OperatingSystem.IsLinux()) return;
        var samples = Directory.CreateDirectory(Path.Combine(_data, "samples")).FullName;
        for (var i = 1; i <= 3; i++)
            await File.WriteAllTextAsync(Path.Combine(samples, $"sample-{i}.md"), $"# Sample {i}\n\nThe harbor keeper lit lantern {i}.\n");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _data,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DocQa.Server.dll"));
        foreach (var setting in new[] { $"--Urls=http://127.0.0.1:{port}/", $"--Storage:DataDirectory={Path.Combine(_data, "store")}", $"--Ingestion:SamplesDirectory={samples}" })
            start.ArgumentList.Add(setting);
        start.Environment["DOCQA_TEST_MARK"] = _mark;
        start.Environment.Remove("DOCQA_EXTRACT_FAULT");
        using var server = Process.Start(start)!;
        var output = server.StandardOutput.ReadToEndAsync();
        var errors = server.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
            await server.WaitForExitAsync(timeout.Token);
        Assert.NotEqual(0, server.ExitCode);
        Assert.Contains("address already in use", await output + await errors, StringComparison.Ordinal);

        var clock = Stopwatch.StartNew();
        while (Workers().Count > 0 && clock.Elapsed < Grace)
            await Task.Delay(50);
        var left = Workers();
        Assert.True(left.Count == 0, $"workers left behind: {string.Join(", ", left.Select(pid => $"{pid} ({State(pid)})"))}");
    }

    private async Task<int> WaitForWorkerAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (Workers() is [var worker]) return worker;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no extraction worker started");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Until the worker watches its parent (its thread "parent watch" runs), so that it is not stopped before; a
    /// worker that has no such thread is given 3 s, by which time it is past its start and into the extraction.
    /// </summary>
    private static async Task WaitForWatchAsync(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            var threads = Directory.Exists($"/proc/{pid}/task") ? Directory.EnumerateDirectories($"/proc/{pid}/task") : [];
            if (threads.Any(thread => Read(Path.Combine(thread, "comm")).Trim() == "parent watch")) return;
            await Task.Delay(20);
        }
    }

    private static async Task<bool> EndsWithinAsync(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (!Ended(pid))
        {
            if (clock.Elapsed > Grace) return false;
            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>The live docqa-extract processes that carry this test's mark.</summary>
    private List<int> Workers() =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && !Ended(pid)
                && Read($"/proc/{pid}/cmdline").Contains("docqa-extract", StringComparison.Ordinal)
                && Read($"/proc/{pid}/environ").Split('\0').Contains("DOCQA_TEST_MARK=" + _mark))];

    /// <summary>Gone, or dead and waiting to be reaped by whichever process adopted it.</summary>
    private static bool Ended(int pid) => State(pid) is null or "Z" or "X";

    /// <summary>The state letter in /proc/{pid}/stat (R, S, T, Z...), or null when there is no such process.</summary>
    private static string? State(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        return stat.Length == 0 ? null : stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static async Task UploadAsync(HttpClient http, string id)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes($"# {id}\n\nThe harbor keeper lit the lantern.\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/markdown");
        form.Add(file, "file", id + ".md");
        form.Add(new StringContent(id), "id");
        using var response = await http.PostAsync("v1/indexes/orphans/documents", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
