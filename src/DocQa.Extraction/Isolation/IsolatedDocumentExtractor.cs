using System.Collections.Concurrent;
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
/// Workers are kept between documents, one per concurrent extraction, so that the start of a process and the
/// compilation of the readers are paid once rather than per document; a worker that failed is never reused.
/// </summary>
public sealed class IsolatedDocumentExtractor : IDocumentExtractor, IDisposable
{
    /// <summary>A worker is replaced after this many documents, so that what one leaves behind cannot accumulate.</summary>
    private const int DocumentsPerWorker = 200;

    private readonly DocumentExtractor _inner;
    private readonly ExtractionLimits _limits;
    private readonly string _workerPath;
    private readonly string _dotnet;
    private readonly ConcurrentBag<Worker> _idle = [];
    private bool _disposed;

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
        AppDomain.CurrentDomain.UnhandledException += OnProcessEnding;
        AppDomain.CurrentDomain.ProcessExit += OnProcessEnding;
    }

    /// <summary>Extra environment variables for the workers (tests use them to make a worker misbehave).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Detection reads only the first bytes; it stays in-process.</summary>
    public DocumentType? Detect(ReadOnlySpan<byte> head, string fileName) => _inner.Detect(head, fileName);

    public ExtractedDocument Extract(Stream content, DocumentType type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(type);
        ObjectDisposedException.ThrowIf(_disposed, this);
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
            var request = new WorkerRequest(path, type.Kind, type.MediaType, (int)Math.Ceiling(_limits.Timeout.TotalSeconds), _inner.Ocr);
            return Run(request, cancellationToken);
        }
        finally
        {
            if (temporary is not null) File.Delete(temporary);
        }
    }

    private ExtractedDocument Run(WorkerRequest request, CancellationToken cancellationToken)
    {
        var worker = TakeIdleWorker() ?? StartWorker();
        var reusable = false;
        try
        {
            var reply = worker.Send(request, _limits.Timeout, cancellationToken);
            if (reply is null)
                throw Exited(worker);
            reusable = ++worker.Documents < DocumentsPerWorker;
            if (reply.Error is { } reason)
                throw new ExtractionException(reason);
            return reply.Document ?? throw new ExtractionException("the extraction worker replied nothing");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ExtractionException($"extraction timed out after {_limits.Timeout.TotalSeconds:0.#} s");
        }
        catch (JsonException e)
        {
            throw new ExtractionException($"the extraction worker's reply is unreadable: {e.Message}", e);
        }
        finally
        {
            if (reusable && !_disposed) _idle.Add(worker);
            else worker.Dispose();
        }
    }

    /// <summary>An idle worker that is still alive (one may have been killed from outside meanwhile).</summary>
    private Worker? TakeIdleWorker()
    {
        while (_idle.TryTake(out var worker))
        {
            if (!worker.HasExited) return worker;
            worker.Dispose();
        }
        return null;
    }

    /// <summary>The reason a worker ended without a reply, from its exit code and what it wrote to standard error.</summary>
    private ExtractionException Exited(Worker worker)
    {
        var (code, errors) = worker.WaitForExit();
        if (code == WorkerProtocol.ExitOutOfMemory || errors.Contains("OutOfMemoryException", StringComparison.Ordinal))
            return new ExtractionException($"extraction ran out of memory (limit {_limits.MemoryMegabytes} MB)");
        if (code == WorkerProtocol.ExitDeadline)
            return new ExtractionException($"extraction timed out after {_limits.Timeout.TotalSeconds:0.#} s");
        var line = errors.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "no message";
        return new ExtractionException($"extraction crashed (exit code {code}): {(line.Length <= 200 ? line : line[..200] + "…")}");
    }

    private Worker StartWorker()
    {
        var start = new ProcessStartInfo(_dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(_workerPath);
        // The heap limit is hexadecimal bytes; past it allocations throw OutOfMemoryException in the worker only.
        start.Environment["DOTNET_GCHeapHardLimit"] = ((long)_limits.MemoryMegabytes * 1024 * 1024).ToString("X", CultureInfo.InvariantCulture);
        start.Environment["DOTNET_gcServer"] = "0";
        // The worker ends when its parent is another process than this one: see WorkerProtocol.ParentVariable.
        start.Environment[WorkerProtocol.ParentVariable] = System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in Environment)
            start.Environment[name] = value;
        return new Worker(WorkerLauncher.Start(start) ?? throw new ExtractionException("the extraction worker could not be started"));
    }

    public void Dispose()
    {
        _disposed = true;
        AppDomain.CurrentDomain.UnhandledException -= OnProcessEnding;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessEnding;
        while (_idle.TryTake(out var worker))
            worker.Dispose();
    }

    /// <summary>
    /// A process that ends without disposing its services (a failed start ends in an unhandled exception) still
    /// ends its idle workers. Busy ones are left to their extraction, which ends them, or to their own watch.
    /// </summary>
    private void OnProcessEnding(object? sender, EventArgs e) => Dispose();

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

    /// <summary>One worker process: requests go to its input, replies come from its output, its errors are kept.</summary>
    private sealed class Worker : IDisposable
    {
        private const int ErrorsKept = 8192;

        private readonly Process _process;
        private readonly StringBuilder _errors = new();
        private readonly Task _errorReader;

        public Worker(Process process)
        {
            _process = process;
            _errorReader = KeepErrorsAsync();
        }

        public int Documents { get; set; }

        public bool HasExited => _process.HasExited;

        /// <summary>
        /// The reply, or null when the worker ended without one. Throws OperationCanceledException at the time limit,
        /// which runs from the request and again from each page the worker reports read by OCR: a long scan is slow
        /// but moving, while a reader stuck in a loop reports nothing.
        /// </summary>
        public WorkerReply? Send(WorkerRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        {
            lock (_errors) _errors.Clear(); // what a crash reports is what this document caused
            try
            {
                _process.StandardInput.WriteLine(JsonSerializer.Serialize(request, WorkerProtocol.Json));
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
                return null; // it died before it could read the request
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            while (true)
            {
                var line = _process.StandardOutput.ReadLineAsync(limit.Token).AsTask().GetAwaiter().GetResult();
                if (line is null)
                    return null;
                var reply = JsonSerializer.Deserialize<WorkerReply>(line, WorkerProtocol.Json);
                if (reply?.PagesRead is null)
                    return reply;
                limit.CancelAfter(timeout);
            }
        }

        public (int ExitCode, string Errors) WaitForExit()
        {
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                _process.Kill();
            _process.WaitForExit();
            _errorReader.Wait(TimeSpan.FromSeconds(5));
            lock (_errors) return (_process.ExitCode, _errors.ToString());
        }

        /// <summary>
        /// Ends the worker: an idle one has nothing to lose, a failed one must not linger. The tools it runs for OCR
        /// are started so that the kernel kills them with it (see ToolProcess), so it alone is killed: on Unix, killing a process tree first stops the process (SIGSTOP) to
        /// list its children, and a parent that died in between left the worker stopped for ever.
        /// </summary>
        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                    _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }
            _process.Dispose();
        }

        private async Task KeepErrorsAsync()
        {
            var buffer = new char[4096];
            int read;
            while ((read = await _process.StandardError.ReadAsync(buffer, CancellationToken.None)) > 0)
            {
                lock (_errors)
                {
                    if (_errors.Length < ErrorsKept)
                        _errors.Append(buffer, 0, Math.Min(read, ErrorsKept - _errors.Length));
                }
            }
        }
    }
}
