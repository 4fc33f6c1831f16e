using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Ocr;

/// <summary>What a command-line tool wrote, and how it ended.</summary>
internal sealed record ToolResult(int ExitCode, byte[] Output, string Errors)
{
    public string OutputText => Encoding.UTF8.GetString(Output);

    /// <summary>The first line of standard error, for a failure's reason.</summary>
    public string FirstError => Errors.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) is { } line
        ? (line.Length <= 200 ? line : line[..200] + "…")
        : $"exit code {ExitCode}";
}

/// <summary>The tool is not installed (its executable cannot be started).</summary>
internal sealed class ToolMissingException(string tool, Exception inner) : Exception($"{tool} is not installed", inner);

/// <summary>
/// Runs an external tool (tesseract, pdftoppm) directly, never through a shell: arguments are passed as a list, input
/// is written to its standard input, its output is read whole. It is killed at its time limit or on cancellation.
/// On Linux it runs under setpriv and prlimit from util-linux: the kernel kills it when the thread that started it
/// ends (so it dies with the extraction worker, which its parent kills at the extraction's time limit), and its
/// address space is capped at the extraction's memory budget, so a crafted image cannot exhaust the machine.
/// </summary>
internal static class ToolProcess
{
    // Tools write a page's text or image; more than this is not a page.
    private const long MaxOutputBytes = 256L * 1024 * 1024;

    private static readonly bool Confined = OperatingSystem.IsLinux() && File.Exists("/usr/bin/setpriv") && File.Exists("/usr/bin/prlimit");

    public static ToolResult Run(string tool, IEnumerable<string> arguments, ReadOnlyMemory<byte> input, TimeSpan timeout,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        // Looked up here, so that a missing tool is told apart from one that fails, also when setpriv starts it.
        string executable = Locate(tool) ?? throw new ToolMissingException(tool, new FileNotFoundException(tool));
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Confined)
        {
            start.FileName = "/usr/bin/setpriv";
            foreach (string argument in (string[])["--pdeathsig", "KILL", "--", "/usr/bin/prlimit", $"--as={MemoryLimitBytes()}", "--", executable])
                start.ArgumentList.Add(argument);
        }
        else
        {
            start.FileName = executable;
        }
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ToolMissingException(tool, new InvalidOperationException("not started"));
        }
        catch (Win32Exception e)
        {
            throw new ToolMissingException(tool, e);
        }

        using (process)
        using (cancellationToken.Register(() => Kill(process)))
        {
            var output = Task.Run(() => ReadCapped(process));
            var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                process.StandardInput.BaseStream.Write(input.Span);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It stopped reading (a tool that reads a file, or one that failed): its exit code says which.
            }
            if (!process.WaitForExit(timeout))
            {
                Kill(process);
                process.WaitForExit();
                throw new ExtractionException($"{Path.GetFileName(tool)} did not finish within {timeout.TotalSeconds:0} s");
            }
            process.WaitForExit(); // the output streams are read to their end
            cancellationToken.ThrowIfCancellationRequested();
            byte[]? bytes = output.GetAwaiter().GetResult();
            if (bytes is null)
                throw new ExtractionException($"{Path.GetFileName(tool)} wrote more than {MaxOutputBytes / (1024 * 1024)} MB");
            return new ToolResult(process.ExitCode, bytes, errors.GetAwaiter().GetResult());
        }
    }

    /// <summary>The tool's full path: itself when it is a path, else the first match on PATH; null when there is none.</summary>
    public static string? Locate(string tool)
    {
        if (tool.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return File.Exists(tool) ? tool : null;
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
                return candidate;
            if (OperatingSystem.IsWindows() && File.Exists(candidate + ".exe"))
                return candidate + ".exe";
        }
        return null;
    }

    /// <summary>
    /// The memory a tool may map: the extraction's budget. In the worker the GC heap limit is that budget; in-process
    /// (no limit set) it is the machine's memory.
    /// </summary>
    private static long MemoryLimitBytes() => Math.Max(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, 256L * 1024 * 1024);

    private static byte[]? ReadCapped(Process process)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = process.StandardOutput.BaseStream.Read(buffer)) > 0)
        {
            if (copy.Length + read > MaxOutputBytes)
            {
                Kill(process);
                return null;
            }
            copy.Write(buffer, 0, read);
        }
        return copy.ToArray();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill();
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }
}
