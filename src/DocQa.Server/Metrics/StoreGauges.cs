using System.Diagnostics.Metrics;
using DocQa.Core;
using DocQa.Core.Documents;
using DocQa.Core.Storage;

namespace DocQa.Server.Metrics;

/// <summary>
/// Gauges read from the store when metrics are collected: the ingestion queue's depth and the documents by status.
/// One reading serves every gauge of a scrape (it is kept a few seconds), so a scrape costs one pass over the records.
/// </summary>
public sealed class StoreGauges
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    private readonly IDocumentRecords _records;
    private readonly IIngestionQueue _queue;
    private readonly ILogger<StoreGauges> _logger;
    private readonly Lock _gate = new();
    private Reading _last = new(DateTime.MinValue, 0, new Dictionary<DocumentStatus, int>());

    public StoreGauges(IDocumentRecords records, IIngestionQueue queue, IMeterFactory meters, ILogger<StoreGauges> logger)
    {
        _records = records;
        _queue = queue;
        _logger = logger;
        // A meter of this host's own (same name as DocQa's): its gauges go when the host and its store go.
        var meter = meters.Create(DocQaTelemetry.Name);
        meter.CreateObservableGauge("docqa.ingestion.queue_depth", () => Read().Queued, "{document}",
            "Documents waiting to be processed");
        meter.CreateObservableGauge("docqa.documents", ObserveDocuments, "{document}",
            "Documents by status (queued, processing, ready, failed)");
    }

    private IEnumerable<Measurement<int>> ObserveDocuments() =>
        Enum.GetValues<DocumentStatus>().Select(status => new Measurement<int>(
            Read().ByStatus.GetValueOrDefault(status), new KeyValuePair<string, object?>("docqa.status", status.ToString().ToLowerInvariant())));

    private Reading Read()
    {
        lock (_gate)
        {
            if (DateTime.UtcNow - _last.At < Freshness) return _last;
            try
            {
                // Metrics are collected synchronously; the store answers these from its own tables in milliseconds.
                _last = ReadAsync().GetAwaiter().GetResult();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                _logger.LogWarning(exception, "Reading the store for metrics failed");
                _last = _last with { At = DateTime.UtcNow };
            }
            return _last;
        }
    }

    private async Task<Reading> ReadAsync()
    {
        var byStatus = new Dictionary<DocumentStatus, int>();
        foreach (var index in await _records.ListIndexesAsync())
            foreach (var document in await _records.ListDocumentsAsync(index.Name))
                byStatus[document.Status] = byStatus.GetValueOrDefault(document.Status) + 1;
        return new Reading(DateTime.UtcNow, await _queue.CountQueuedAsync(), byStatus);
    }

    private sealed record Reading(DateTime At, int Queued, IReadOnlyDictionary<DocumentStatus, int> ByStatus);
}
