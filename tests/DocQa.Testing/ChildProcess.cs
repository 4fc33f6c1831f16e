using System.Diagnostics;
using System.Net;
using System.Text;

namespace DocQa.Testing;

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs the built docqa and DocQa.Server assemblies as real processes.</summary>
public static class ChildProcess
{
    private static string AssemblyPath(string name) => Path.Combine(AppContext.BaseDirectory, name);

    public static Task<ProcessResult> RunCliAsync(string workingDirectory, params string[] args) =>
        RunAsync("docqa.dll", workingDirectory, args);

    /// <summary>Runs the server expecting it to refuse to start: its exit code and what it printed.</summary>
    public static Task<ProcessResult> RunServerAsync(string workingDirectory, params string[] args) =>
        RunAsync("DocQa.Server.dll", workingDirectory, args);

    private static async Task<ProcessResult> RunAsync(string assembly, string workingDirectory, string[] args)
    {
        var start = Start(assembly, workingDirectory, args);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} {string.Join(' ', args)} did not finish");
        }
        return new ProcessResult(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Starts the server on a free loopback port and waits until /health answers 200. <paramref name="settings"/> are
    /// more command-line settings ("--Key=value"); <paramref name="environment"/> is added to the server's environment.
    /// </summary>
    public static async Task<(Process Server, Uri Url)> StartServerAsync(string dataDirectory,
        IEnumerable<string>? settings = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var url = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/");
        var start = Start("DocQa.Server.dll", dataDirectory,
            [$"--Urls={url}", $"--Storage:DataDirectory={dataDirectory}", "--Ingestion:SeedSamples=false", .. settings ?? []]);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return (await StartHealthyAsync(start, url), url);
    }

    /// <summary>
    /// The start of a server process: <paramref name="serverAssembly"/> (default: the built DocQa.Server.dll next to the
    /// tests) run by dotnet in <paramref name="workingDirectory"/> with <paramref name="args"/>, its output captured.
    /// </summary>
    public static ProcessStartInfo ServerStart(string workingDirectory, IEnumerable<string> args, string? serverAssembly = null) =>
        Start(serverAssembly ?? "DocQa.Server.dll", workingDirectory, args);

    /// <summary>Starts <paramref name="start"/> and waits until <paramref name="url"/>/health answers 200; throws with the server's output otherwise.</summary>
    public static async Task<Process> StartHealthyAsync(ProcessStartInfo start, Uri url, TimeSpan? timeout = null)
    {
        var server = Process.Start(start)!;
        var log = new StringBuilder();
        server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = url };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline && !server.HasExited)
        {
            try
            {
                if ((await http.GetAsync("health")).StatusCode == HttpStatusCode.OK) return server;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        if (!server.HasExited) server.Kill(entireProcessTree: true);
        lock (log) throw new InvalidOperationException($"the server did not become healthy:\n{log}");
    }

    private static ProcessStartInfo Start(string assembly, string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.IsPathRooted(assembly) ? assembly : AssemblyPath(assembly));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        start.Environment.Remove("DOCQA_SERVER");
        start.Environment.Remove("DOCQA_API_KEY");
        // Each test names the address itself; one from the surrounding environment must not leak in.
        foreach (var name in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_HTTP_PORTS", "DOTNET_HTTPS_PORTS" })
            start.Environment.Remove(name);
        return start;
    }
}
