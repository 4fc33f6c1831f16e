using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DocQa.Core;

/// <summary>The activity source and meter that DocQa's own spans and metrics are published under.</summary>
public static class DocQaTelemetry
{
    public const string Name = "DocQa";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> DocumentsIngested = Meter.CreateCounter<long>("docqa.documents.ingested", description: "Documents that became ready");
    public static readonly Counter<long> DocumentsFailed = Meter.CreateCounter<long>("docqa.documents.failed", description: "Documents whose ingestion failed");
    public static readonly Counter<long> ChunksEmbedded = Meter.CreateCounter<long>("docqa.chunks.embedded", description: "Chunks embedded and stored");
    public static readonly Counter<long> ChunksReused = Meter.CreateCounter<long>("docqa.chunks.reused", description: "Chunks copied from a document with the same content instead of being embedded again");
}
