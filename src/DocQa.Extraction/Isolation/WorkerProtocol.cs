using System.Text.Json;
using System.Text.Json.Serialization;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Isolation;

/// <summary>
/// What the extraction worker (docqa-extract) and <see cref="IsolatedDocumentExtractor"/> say to each other: one
/// JSON request per line on the worker's standard input, one JSON reply per line on its standard output, and exit
/// codes for the failures that leave no reply. The worker serves requests until its input closes.
/// </summary>
public static class WorkerProtocol
{
    /// <summary>The worker's assembly, next to the host's own.</summary>
    public const string AssemblyName = "docqa-extract";

    /// <summary>Standard input closed: the parent is done with the worker, or gone.</summary>
    public const int ExitDone = 0;

    /// <summary>The extraction exhausted the memory budget (DOTNET_GCHeapHardLimit).</summary>
    public const int ExitOutOfMemory = 3;

    /// <summary>A request's own deadline passed: a safety net for when the parent cannot kill the worker.</summary>
    public const int ExitDeadline = 4;

    /// <summary>The worker's parent is gone (it died without closing the worker's input first, or before the worker started).</summary>
    public const int ExitParentGone = 5;

    /// <summary>The parent's process id, which the worker watches: when its parent is another process, the worker ends.</summary>
    public const string ParentVariable = "DOCQA_EXTRACT_PARENT";

    /// <summary>
    /// Set to "hang", "allocate" or "crash" to make the worker misbehave that way, so that tests can prove the
    /// parent's limits hold. Ignored unless set.
    /// </summary>
    public const string FaultVariable = "DOCQA_EXTRACT_FAULT";

    /// <summary>Single-line JSON (no indentation), so that a line is a message; source-generated, so no reflection at start.</summary>
    public static JsonSerializerOptions Json => WorkerJsonContext.Default.Options;
}

/// <summary>
/// Extract the file at <paramref name="Path"/> as <paramref name="Kind"/>, reading scanned pages with the <paramref name="Ocr"/>
/// settings (the defaults when null); give up after <paramref name="DeadlineSeconds"/>.
/// </summary>
public sealed record WorkerRequest(string Path, DocumentKind Kind, string MediaType, int DeadlineSeconds, OcrOptions? Ocr = null);

/// <summary>
/// The worker's reply: the extracted document, or the reason it cannot be read. Before it, the worker may send progress:
/// replies with only <paramref name="PagesRead"/>, the pages read by OCR so far, each of which restarts the time limit.
/// </summary>
public sealed record WorkerReply(ExtractedDocument? Document, string? Error, int? PagesRead = null);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorkerRequest))]
[JsonSerializable(typeof(WorkerReply))]
internal sealed partial class WorkerJsonContext : JsonSerializerContext;
