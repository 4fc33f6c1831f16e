using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Core.Answering;
using DocQa.Core.Answering.Generation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace DocQa.Server.Tests;

/// <summary>Limits:RequestTimeoutSeconds cancels a request that runs too long (504), but not a streamed answer once it flows.</summary>
[Collection(ServerCollection.Name)]
public sealed class RequestTimeoutTests(DocQaServerFactory factory)
{
    [Fact]
    public async Task A_slow_answer_times_out_with_504_but_a_streamed_one_is_not_cut_off()
    {
        // 30 words at 100 ms: three seconds of generation against a one-second limit.
        var model = new SlowModel { Words = 30, Delay = TimeSpan.FromMilliseconds(100) };
        var client = factory.WithWebHostBuilder(builder => builder
            .UseSetting("Storage:DataDirectory", Path.Combine(factory.DataDirectory, "timeouts-" + Guid.NewGuid().ToString("N")[..8]))
            .UseSetting("Limits:RequestTimeoutSeconds", "1")
            .ConfigureTestServices(services =>
                services.AddSingleton<IAnswerGenerator>(new GeneratedAnswerer(model, new GenerationGate(4, 4),
                    new GenerationOptions { MaxAnswerTokens = 64 }, NullLogger<GeneratedAnswerer>.Instance)))).CreateClient();
        var upload = await client.UploadAsync("timeouts", "bells.txt", "The fog bell rings every two minutes when the fog rolls in."u8.ToArray());
        await client.WaitForDocumentAsync("timeouts", (await upload.ReadAsync<DocumentDto>()).Id);

        var timedOut = await client.PostAsJsonAsync("/v1/indexes/timeouts/ask", new { question = "How often does the fog bell ring?" });
        Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
        var problem = await timedOut.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Limits:RequestTimeoutSeconds", problem.GetProperty("detail").GetString());

        var streamed = await client.PostAsJsonAsync("/v1/indexes/timeouts/ask", new { question = "How often does the fog bell ring?", stream = true });
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var body = await streamed.Content.ReadAsStringAsync();
        Assert.Contains("event: done", body);
        Assert.Contains("word29", body);
    }
}
