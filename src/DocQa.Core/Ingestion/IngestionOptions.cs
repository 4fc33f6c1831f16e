using System.ComponentModel.DataAnnotations;

namespace DocQa.Core.Ingestion;

public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Largest upload accepted, in bytes (larger ones get 413).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Documents processed at once. Two keep both cores busy: one extracts while the other embeds.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 2;

    /// <summary>Documents allowed to wait in the queue; an upload beyond it is refused (503 with Retry-After) until the queue drains.</summary>
    [Range(1, int.MaxValue)]
    public int MaxQueuedDocuments { get; set; } = 1000;

    /// <summary>
    /// Chunks handed to the embedding generator per call. Not a setting: the generator splits them into model runs of
    /// Embeddings:BatchSize texts and runs those side by side; this only bounds how much one call holds.
    /// </summary>
    public const int ChunksPerEmbeddingCall = 64;

    /// <summary>A document whose processing was interrupted this many times (the process died) fails instead of looping.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Extract each document in a child process (docqa-extract) under the time limit and memory budget below, so that
    /// a file that makes a parser loop, explode or crash fails alone. False extracts in-process, without those limits.
    /// </summary>
    public bool IsolateExtraction { get; set; } = true;

    /// <summary>An extraction still running after this long is stopped and its document fails.</summary>
    [Range(1, 86_400)]
    public int ExtractionTimeoutSeconds { get; set; } = 120;

    /// <summary>The memory budget of one extraction (the worker's GC heap limit).</summary>
    [Range(64, 1_048_576)]
    public int ExtractionMemoryMegabytes { get; set; } = 1024;

    /// <summary>Ingest the files of <see cref="SamplesDirectory"/> into the default index on first start, when the store is empty.</summary>
    public bool SeedSamples { get; set; } = true;

    public string SamplesDirectory { get; set; } = "data/samples";
}
