using System.Text.Json;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Isolation;

/// <summary>
/// What the extraction worker (docqa-extract) and <see cref="IsolatedDocumentExtractor"/> say to each other:
/// arguments in, one JSON reply on standard output, and exit codes for the failures that leave no reply.
/// </summary>
public static class WorkerProtocol
{
    /// <summary>The worker's assembly, next to the host's own.</summary>
    public const string AssemblyName = "docqa-extract";

    /// <summary>A reply was written: the document or the reason it cannot be read.</summary>
    public const int ExitReplied = 0;

    public const int ExitUsage = 2;

    /// <summary>The extraction exhausted the memory budget (DOTNET_GCHeapHardLimit).</summary>
    public const int ExitOutOfMemory = 3;

    /// <summary>The worker's own deadline passed: a safety net for when the parent died without killing it.</summary>
    public const int ExitDeadline = 4;

    /// <summary>
    /// Set to "hang", "allocate" or "crash" to make the worker misbehave that way, so that tests can prove the
    /// parent's limits hold. Ignored unless set.
    /// </summary>
    public const string FaultVariable = "DOCQA_EXTRACT_FAULT";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string[] Arguments(string path, DocumentType type, TimeSpan deadline) =>
        [path, type.Kind.ToString(), type.MediaType, ((int)Math.Ceiling(deadline.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)];
}

/// <summary>The worker's reply: the extracted document, or the reason it cannot be read.</summary>
public sealed record WorkerReply(ExtractedDocument? Document, string? Error);
