using System.Text;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DocQa.Llm.LlamaSharp;

/// <summary>
/// Sends llama.cpp's own log, which would otherwise go to the console, to an <see cref="ILogger"/> at Debug
/// level, and remembers the calling thread's first error line (the cause; later ones only report the failure
/// further up) so that a failed load can say why it failed.
/// llama.cpp has one log for the whole process: the logger of the model loaded last receives it.
/// </summary>
internal static class LlamaNativeLog
{
    private static readonly Lock Gate = new();

    // One delegate for the process: llama.cpp keeps calling it, so it must never be collected.
    private static readonly NativeLogConfig.LLamaLogCallback Callback = Write;
    private static ILogger _logger = NullLogger.Instance;
    private static bool _installed;

    // llama.cpp writes a line in pieces, all from the thread doing the work.
    [ThreadStatic] private static StringBuilder? t_line;
    [ThreadStatic] private static LLamaLogLevel t_lineLevel;
    [ThreadStatic] private static string? t_firstError;

    /// <summary>The first error llama.cpp logged on this thread since <see cref="ClearError"/>.</summary>
    public static string? FirstError => t_firstError;

    public static void ClearError() => t_firstError = null;

    public static void Attach(ILogger logger)
    {
        lock (Gate)
        {
            Volatile.Write(ref _logger, logger);
            if (_installed)
            {
                return;
            }

            // Before the native library loads, the callback also receives what is logged while loading it.
            if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                NativeLibraryConfig.All.WithLogCallback(Callback);
            }

            NativeLogConfig.llama_log_set(Callback);
            _installed = true;
        }
    }

    private static void Write(LLamaLogLevel level, string message)
    {
        var line = t_line ??= new StringBuilder();
        if (level != LLamaLogLevel.Continue)
        {
            t_lineLevel = level;
        }

        line.Append(message);
        if (!message.EndsWith('\n'))
        {
            return;
        }

        var text = line.ToString().Trim();
        line.Clear();
        if (text.Length == 0)
        {
            return;
        }

        if (t_lineLevel == LLamaLogLevel.Error)
        {
            t_firstError ??= text;
        }

        Volatile.Read(ref _logger).LogDebug("llama.cpp: {Message}", text);
    }
}
