using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Isolation;

/// <summary>Limits one extraction runs under.</summary>
public sealed record ExtractionLimits(TimeSpan Timeout, int MemoryMegabytes);

/// <summary>
/// Runs each extraction in a child process (docqa-extract) under a time limit and a memory budget. A thread
/// that loops inside a parser cannot be stopped and the GC heap is shared, so only a process of its own keeps
/// a hostile file from hanging or exhausting the server: the child is killed at the time limit, runs out of
/// memory on its own heap limit, or crashes (a stack overflow) — and only that document fails, with the reason.
/// </summary>
public sealed class IsolatedDocumentExtractor : IDocumentExtractor
{
    private const int StandardErrorKept = 8192;

    private readonly DocumentExtractor _inner;
    private readonly ExtractionLimits _limits;
    private readonly string _workerPath;
    private readonly string _dotnet;

    public IsolatedDocumentExtractor(DocumentExtractor inner, ExtractionLimits limits, string? workerPath = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(limits);
        _inner = inner;
        _limits = limits;
        _workerPath = workerPath ?? Path.Combine(AppContext.BaseDirectory, WorkerProtocol.AssemblyName + ".dll");
        if (!File.Exists(_workerPath))
            throw new InvalidOperationException(
                $"The extraction worker {_workerPath} is missing; reinstall DocQa, or set Ingestion:IsolateExtraction=false to extract in-process.");
        _dotnet = DotnetHost();
    }

    /// <summary>Extra environment variables for the worker (tests use them to make it misbehave).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Detection reads only the first bytes; it stays in-process.</summary>
    public DocumentType? Detect(ReadOnlySpan<byte> head, string fileName) => _inner.Detect(head, fileName);

    public ExtractedDocument Extract(Stream content, DocumentType type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(type);
        cancellationToken.ThrowIfCancellationRequested();

        // The stored original is read in place; anything else is written to a temporary file for the worker.
        string? temporary = null;
        string path;
        if (content is FileStream { Position: 0 } file && File.Exists(file.Name))
        {
            path = file.Name;
        }
        else
        {
            temporary = path = Path.Combine(Path.GetTempPath(), "docqa-extract-" + Guid.NewGuid().ToString("N"));
            using (var copy = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                content.CopyTo(copy);
        }

        try
        {
            return Run(path, type, cancellationToken);
        }
        finally
        {
            if (temporary is not null) File.Delete(temporary);
        }
    }

    private ExtractedDocument Run(string path, DocumentType type, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_dotnet)
        {
            RedirectStandardInput = true, // the worker exits when this pipe closes: the parent is gone
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(_workerPath);
        foreach (var argument in WorkerProtocol.Arguments(path, type, _limits.Timeout))
            start.ArgumentList.Add(argument);
        // The heap limit is hexadecimal bytes; past it allocations throw OutOfMemoryException in the worker only.
        start.Environment["DOTNET_GCHeapHardLimit"] = ((long)_limits.MemoryMegabytes * 1024 * 1024).ToString("X", CultureInfo.InvariantCulture);
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (name, value) in Environment)
            start.Environment[name] = value;

        using var process = Process.Start(start)
            ?? throw new ExtractionException("the extraction worker could not be started");
        var reply = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = ReadBoundedAsync(process.StandardError);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_limits.Timeout);
        try
        {
            process.WaitForExitAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new ExtractionException($"extraction timed out after {_limits.Timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            process.StandardInput.Close();
        }

        var output = reply.GetAwaiter().GetResult();
        var error = errors.GetAwaiter().GetResult();
        return process.ExitCode switch
        {
            WorkerProtocol.ExitReplied => Parse(output),
            WorkerProtocol.ExitOutOfMemory => throw OutOfMemory(),
            WorkerProtocol.ExitDeadline => throw new ExtractionException($"extraction timed out after {_limits.Timeout.TotalSeconds:0.#} s"),
            _ when error.Contains("OutOfMemoryException", StringComparison.Ordinal) => throw OutOfMemory(),
            var code => throw new ExtractionException($"extraction crashed (exit code {code}): {FirstLine(error)}"),
        };
    }

    private ExtractionException OutOfMemory() => new($"extraction ran out of memory (limit {_limits.MemoryMegabytes} MB)");

    private static ExtractedDocument Parse(string output)
    {
        WorkerReply? reply;
        try
        {
            reply = JsonSerializer.Deserialize<WorkerReply>(output, WorkerProtocol.Json);
        }
        catch (JsonException e)
        {
            throw new ExtractionException($"the extraction worker's reply is unreadable: {e.Message}", e);
        }
        if (reply?.Error is { } reason)
            throw new ExtractionException(reason);
        return reply?.Document ?? throw new ExtractionException("the extraction worker replied nothing");
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    /// <summary>Reads a stream to its end and keeps only its beginning, so that a worker spewing errors cannot fill memory.</summary>
    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var kept = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            if (kept.Length < StandardErrorKept)
                kept.Append(buffer, 0, Math.Min(read, StandardErrorKept - kept.Length));
        }
        return kept.ToString();
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        if (line is null) return "no message";
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    /// <summary>The dotnet host this process runs on, so the worker runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        var executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (System.Environment.ProcessPath is { } self && Path.GetFileName(self) == executable)
            return self;
        // The runtime lives in {root}/shared/Microsoft.NETCore.App/{version}/; the host is {root}/dotnet.
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location);
        if (runtime is not null)
        {
            var host = Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", executable));
            if (File.Exists(host)) return host;
        }
        return executable;
    }
}
