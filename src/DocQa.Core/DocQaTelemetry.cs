using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DocQa.Core;

/// <summary>The activity source and meter that DocQa's own spans and metrics are published under.</summary>
public static class DocQaTelemetry
{
    public const string Name = "DocQa";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    // Buckets in seconds, from a quick query embedding to a long answer (the default buckets suit milliseconds).
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    public static readonly Counter<long> DocumentsIngested = Meter.CreateCounter<long>("docqa.documents.ingested", description: "Documents that became ready");
    public static readonly Counter<long> DocumentsFailed = Meter.CreateCounter<long>("docqa.documents.failed", description: "Documents whose ingestion failed");
    public static readonly Counter<long> ChunksEmbedded = Meter.CreateCounter<long>("docqa.chunks.embedded", description: "Chunks embedded and stored");
    public static readonly Counter<long> ChunksReused = Meter.CreateCounter<long>("docqa.chunks.reused", description: "Chunks copied from a document with the same content instead of being embedded again");
    public static readonly Counter<long> PagesExtracted = Meter.CreateCounter<long>("docqa.pages.extracted", description: "Pages of documents that became ready");

    /// <summary>One embedding model run; tagged <c>docqa.purpose</c> = <c>ingestion</c> (a batch of chunks) or <c>query</c> (a search question).</summary>
    public static readonly Histogram<double> EmbeddingDuration = Meter.CreateHistogram<double>("docqa.embedding.duration", "s", "Time of one embedding model run", advice: Seconds);

    /// <summary>One generated answer, from the request to the model to its last token.</summary>
    public static readonly Histogram<double> GenerationDuration = Meter.CreateHistogram<double>("docqa.generation.duration", "s", "Time to generate one answer", advice: Seconds);

    /// <summary>Tokens of generated answers; tagged <c>docqa.token.type</c> = <c>input</c> (the prompt) or <c>output</c> (the answer).</summary>
    public static readonly Counter<long> GenerationTokens = Meter.CreateCounter<long>("docqa.generation.tokens", "{token}", "Tokens read and written by the language model");

    /// <summary>Requests refused (401, 403, 429, 503), tagged with <c>http.response.status_code</c>.</summary>
    public static readonly Counter<long> RequestsRejected = Meter.CreateCounter<long>("docqa.requests.rejected", "{request}", "Requests refused: no or a wrong key, no right, too many, overloaded");

    /// <summary>Records the seconds since <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public static void RecordSince(this Histogram<double> histogram, long startTimestamp, KeyValuePair<string, object?> tag = default)
    {
        var seconds = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        if (tag.Key is null) histogram.Record(seconds);
        else histogram.Record(seconds, tag);
    }
}
