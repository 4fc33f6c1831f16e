using System.Net;
using System.Net.Http.Json;

namespace DocQa.Server.Tests;

/// <summary>/metrics in Prometheus' format, behind a server admin key.</summary>
[Collection(SecuredServerCollection.Name)]
public sealed class MetricsTests(SecuredServerFactory server)
{
    [Fact]
    public async Task Metrics_need_a_server_admin_key()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.ClientWith(null).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.ClientWith(server.ReaderA).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.ClientWith(server.WriterA).GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Metrics_show_routes_ingestion_embedding_documents_and_rejections()
    {
        await server.EnsureDocumentsAsync();
        var reader = server.ClientWith(server.ReaderA);
        var search = await reader.PostAsJsonAsync($"/v1/indexes/{SecuredServerFactory.IndexA}/search", new { query = "lamp room" });
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync($"/v1/indexes/{SecuredServerFactory.IndexB}/documents")).StatusCode);


        // A metric and the labels it must carry (in any order, among others); the value, where given, must be above zero.
        (string Metric, string[] Labels, bool Counted)[] expected =
        [
            // request rate and latency per route
            ("http_server_request_duration_seconds_count", ["http_route=\"/v1/indexes/{index}/search\""], true),
            // ingestion: queue, documents by status, pages and chunks (their rates come from the counters)
            ("docqa_ingestion_queue_depth", [], false),
            ("docqa_documents", ["docqa_status=\"ready\""], true),
            ("docqa_pages_extracted_total", [], true),
            ("docqa_chunks_embedded_total", [], true),
            // embedding latency, for ingestion and for questions
            ("docqa_embedding_duration_seconds_count", ["docqa_purpose=\"ingestion\""], true),
            ("docqa_embedding_duration_seconds_count", ["docqa_purpose=\"query\""], true),
            // refused requests by status
            ("docqa_requests_rejected_total", ["http_response_status_code=\"403\""], true),
        ];
        // The store's gauges are read at most every few seconds, so a scrape may show a reading from before the
        // documents were ready: scrape again until it is fresh.
        var (body, missing) = ("", expected.ToList());
        for (var attempt = 0; attempt < 15 && missing.Count > 0; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromSeconds(1));
            var response = await server.ClientWith(server.Admin).GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
            body = await response.Content.ReadAsStringAsync();
            var series = body.Split('\n').Where(line => !line.StartsWith('#')).ToList();
            missing = expected.Where(e => !series.Any(line => line.StartsWith(e.Metric + "{", StringComparison.Ordinal)
                && e.Labels.All(label => line.Contains(label, StringComparison.Ordinal))
                && (!e.Counted || double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) > 0))).ToList();
        }
        Assert.True(missing.Count == 0, $"/metrics lacks {string.Join("; ", missing.Select(m => $"{m.Metric} {string.Join(",", m.Labels)}"))}:\n{body}");
    }
}
