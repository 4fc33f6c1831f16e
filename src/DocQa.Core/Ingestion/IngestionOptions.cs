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

    /// <summary>Chunks sent to the embedding model per call.</summary>
    [Range(1, 1024)]
    public int EmbeddingBatchSize { get; set; } = 64;

    /// <summary>A document whose processing was interrupted this many times (the process died) fails instead of looping.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Ingest the files of <see cref="SamplesDirectory"/> into the default index on first start, when the store is empty.</summary>
    public bool SeedSamples { get; set; } = true;

    public string SamplesDirectory { get; set; } = "data/samples";
}
