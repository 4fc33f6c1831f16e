using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Core.Answering;
using DocQa.Core.Answering.Generation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace DocQa.Server.Tests;

/// <summary>A stand-in language model: writes "word0 word1 … [1]" slowly, and notes when it was stopped.</summary>
public sealed class SlowModel : ILanguageModel, IChatClient
{
    public int Words { get; init; } = 5;
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(20);
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public string Name => "slow-test-model";
    public int ContextSize => 8192;
    public IChatClient ChatClient => this;
    public int CountTokens(IReadOnlyList<ChatMessage> messages) => messages.Sum(m => CountTokens(m.Text));
    public int CountTokens(string text) => text.Length / 4 + 1;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.Register(() => Cancelled.TrySetResult());
        for (var i = 0; i < Words; i++)
        {
            await Task.Delay(Delay, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, $"word{i} ");
        }
        yield return new ChatResponseUpdate(ChatRole.Assistant, "[1].");
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;
    public void Dispose() { }
}

[Collection(ServerCollection.Name)]
public sealed class StreamingTests(DocQaServerFactory factory)
{
    private static async Task<List<SseItem<string>>> ReadEventsAsync(HttpResponseMessage response)
    {
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
            events.Add(item);
        return events;
    }

    private static async Task SeedAsync(HttpClient client, string index)
    {
        var upload = await client.UploadAsync(index, "bells.txt", "The fog bell rings every two minutes when the fog rolls in."u8.ToArray());
        await client.WaitForDocumentAsync(index, (await upload.ReadAsync<DocumentDto>()).Id);
    }

    /// <summary>A second server with the stand-in model, on a data directory of its own (two servers never share one).</summary>
    private HttpClient ClientWith(SlowModel model, int maxConcurrent = 1, int maxQueued = 0) =>
        factory.WithWebHostBuilder(builder => builder
            .UseSetting("Storage:DataDirectory", Path.Combine(factory.DataDirectory, "generated-" + Guid.NewGuid().ToString("N")[..8]))
            .ConfigureTestServices(services =>
                services.AddSingleton<IAnswerGenerator>(new GeneratedAnswerer(model, new GenerationGate(maxConcurrent, maxQueued),
                    new GenerationOptions { MaxAnswerTokens = 64 }, NullLogger<GeneratedAnswerer>.Instance)))).CreateClient();

    [Fact]
    public async Task Extractive_answers_stream_as_citations_delta_done()
    {
        var client = factory.CreateClient();
        await SeedAsync(client, "stream-extractive");

        var response = await client.PostAsJsonAsync("/v1/indexes/stream-extractive/ask", new { question = "How often does the fog bell ring?", stream = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ReadEventsAsync(response);
        Assert.Equal("citations", events[0].EventType);
        Assert.Equal("done", events[^1].EventType);
        Assert.All(events[1..^1], e => Assert.Equal("delta", e.EventType));
        var done = JsonSerializer.Deserialize<AskResponseDto>(events[^1].Data, JsonDefaults.Options)!;
        Assert.Equal("extractive", done.Mode);
        Assert.Contains("two minutes", done.Answer);
    }

    [Fact]
    public async Task Generated_answers_report_their_mode_and_model_and_stream_token_by_token()
    {
        var client = ClientWith(new SlowModel());
        await SeedAsync(client, "stream-generated");

        var plain = await (await client.PostAsJsonAsync("/v1/indexes/stream-generated/ask", new { question = "How often does the fog bell ring?" }))
            .ReadAsync<AskResponseDto>();
        Assert.Equal("generated", plain.Mode);
        Assert.Equal("slow-test-model", plain.Model);
        Assert.Equal("word0 word1 word2 word3 word4 [1].", plain.Answer);
        Assert.True(plain.Citations[0].Referenced);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/indexes/stream-generated/ask")
        {
            Content = JsonContent.Create(new { question = "How often does the fog bell ring?" }),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        var events = await ReadEventsAsync(await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead));

        Assert.Equal(["citations", .. Enumerable.Repeat("delta", events.Count - 2), "done"], events.Select(e => e.EventType));
        Assert.True(events.Count(e => e.EventType == "delta") >= 2);
        var citations = JsonSerializer.Deserialize<CitationsEventDto>(events[0].Data, JsonDefaults.Options)!;
        Assert.Equal("bells.txt", citations.Citations[0].FileName);
        var text = string.Concat(events.Where(e => e.EventType == "delta").Select(e => JsonSerializer.Deserialize<DeltaEventDto>(e.Data, JsonDefaults.Options)!.Text));
        Assert.Equal(plain.Answer, text.Trim());
    }

    [Fact]
    public async Task A_busy_model_answers_503_with_retry_after()
    {
        var model = new SlowModel { Words = 200, Delay = TimeSpan.FromMilliseconds(50) };
        var client = ClientWith(model, maxConcurrent: 1, maxQueued: 0);
        await SeedAsync(client, "stream-busy");

        var first = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/indexes/stream-busy/ask")
        {
            Content = JsonContent.Create(new { question = "fog bell?", stream = true }),
        }, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        var second = await client.PostAsJsonAsync("/v1/indexes/stream-busy/ask", new { question = "fog bell?" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);

        // A client that goes away stops the generation at once.
        first.Dispose();
        var stopped = await Task.WhenAny(model.Cancelled.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(model.Cancelled.Task, stopped);
    }
}
