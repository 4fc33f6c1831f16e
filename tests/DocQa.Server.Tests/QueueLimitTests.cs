using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;

namespace DocQa.Server.Tests;

/// <summary>Back-pressure on ingestion: past Ingestion:MaxQueuedDocuments an upload is refused with 503 and Retry-After.</summary>
public sealed class QueueLimitTests
{
    [Fact]
    public async Task A_full_queue_answers_503_with_Retry_After_and_stores_nothing()
    {
        using var factory = new DocQaServerFactory();
        factory.Configure = builder => builder
            .UseSetting("Ingestion:MaxQueuedDocuments", "2")
            // No worker: the queue stays as filled, so the test does not race the ingestion.
            .ConfigureTestServices(services =>
            {
                foreach (var worker in services.Where(service => service.ImplementationType == typeof(IngestionWorker)).ToList())
                    services.Remove(worker);
            });
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Accepted, (await client.UploadAsync("queue", "one.txt", "First."u8.ToArray())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.UploadAsync("queue", "two.txt", "Second."u8.ToArray())).StatusCode);
        var refused = await client.UploadAsync("queue", "three.txt", "Third."u8.ToArray());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("waiting", problem.GetProperty("detail").GetString());
        var documents = (await client.GetFromJsonAsync<DocumentListDto>("/v1/indexes/queue/documents", JsonDefaults.Options))!.Documents;
        Assert.Equal(["one-txt", "two-txt"], documents.Select(d => d.Id).Order());
    }
}
