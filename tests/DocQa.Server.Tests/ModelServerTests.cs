using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Llm.LlamaSharp;
using Microsoft.AspNetCore.Hosting;

namespace DocQa.Server.Tests;

/// <summary>
/// A model server on a loopback port, speaking the OpenAI API over a tiny chat model run by llama.cpp: whatever the
/// prompt, it answers " Hello world!". Its window is long enough for a grounded prompt in the tiny model's byte tokens.
/// </summary>
public sealed class TinyModelServer : IAsyncLifetime
{
    public const string ModelName = "tiny-chat";

    private readonly string directory = Path.Combine(Path.GetTempPath(), "docqa-model-server-" + Guid.NewGuid().ToString("N")[..10]);
    private LlamaLanguageModel? model;

    public OpenAiCompatibleServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "chat.gguf");
        TinyModel.Write(path, ["▁Hello", "▁world", "!", "<|im_end|>"], loops: false, TinyModel.ChatMlTemplate, ModelName, contextLength: 8192);
        model = LlamaLanguageModel.Load(new LlmOptions { ModelPath = path, Threads = 1, ContextSize = 8192 });
        Server = await OpenAiCompatibleServer.StartAsync(model.ChatClient, ModelName);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        model?.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}

[Collection(ServerCollection.Name)]
public sealed class ModelServerTests(DocQaServerFactory factory, TinyModelServer modelServer) : IClassFixture<TinyModelServer>
{
    private const string Question = "How often does the fog bell ring?";

    /// <summary>A server of its own, generating on the model server at <paramref name="endpoint"/>.</summary>
    private HttpClient ClientFor(string endpoint, bool fallbackToExtractive = false) =>
        factory.WithWebHostBuilder(builder => builder
            .UseSetting("Storage:DataDirectory", Path.Combine(factory.DataDirectory, "model-server-" + Guid.NewGuid().ToString("N")[..8]))
            .UseSetting("Llm:Provider", "OpenAI")
            .UseSetting("Llm:Endpoint", endpoint)
            .UseSetting("Llm:Model", TinyModelServer.ModelName)
            .UseSetting("Llm:ContextSize", "4096")
            .UseSetting("Llm:MaxAnswerTokens", "32")
            .UseSetting("Llm:MaxRetries", "0")
            .UseSetting("Llm:FallbackToExtractive", fallbackToExtractive.ToString()))
            .CreateClient();

    private static async Task SeedAsync(HttpClient client, string index)
    {
        var upload = await client.UploadAsync(index, "bells.txt", "The fog bell rings every two minutes when the fog rolls in."u8.ToArray());
        await client.WaitForDocumentAsync(index, (await upload.ReadAsync<DocumentDto>()).Id);
    }

    [Fact]
    public async Task Answers_are_generated_on_the_model_server_and_streamed()
    {
        var client = ClientFor(modelServer.Server.Endpoint);
        await SeedAsync(client, "model-server");
        var before = modelServer.Server.ChatRequests;

        var plain = await (await client.PostAsJsonAsync("/v1/indexes/model-server/ask", new { question = Question })).ReadAsync<AskResponseDto>();

        Assert.Equal("generated", plain.Mode);
        Assert.Equal(TinyModelServer.ModelName, plain.Model);
        Assert.Equal("Hello world!", plain.Answer);
        Assert.True(modelServer.Server.ChatRequests > before);

        var streamed = await client.PostAsJsonAsync("/v1/indexes/model-server/ask", new { question = Question, stream = true });
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await streamed.Content.ReadAsStreamAsync()).EnumerateAsync()) events.Add(item);

        Assert.Equal(["citations", .. Enumerable.Repeat("delta", events.Count - 2), "done"], events.Select(e => e.EventType));
        Assert.True(events.Count(e => e.EventType == "delta") >= 2, "the answer should arrive in more than one piece");
        var done = JsonSerializer.Deserialize<AskResponseDto>(events[^1].Data, JsonDefaults.Options)!;
        Assert.Equal("generated", done.Mode);
        Assert.Equal("Hello world!", done.Answer);
    }

    [Fact]
    public async Task An_unreachable_model_server_gives_extractive_answers_when_falling_back()
    {
        var client = ClientFor($"http://127.0.0.1:{Loopback.FreePort()}/v1", fallbackToExtractive: true);
        await SeedAsync(client, "model-server-down");

        var answer = await (await client.PostAsJsonAsync("/v1/indexes/model-server-down/ask", new { question = Question })).ReadAsync<AskResponseDto>();

        Assert.Equal("extractive", answer.Mode);
        Assert.Contains("two minutes", answer.Answer);
    }

    [Fact]
    public void An_unreachable_model_server_stops_start_up_naming_the_endpoint()
    {
        var endpoint = $"http://127.0.0.1:{Loopback.FreePort()}/v1";

        var failure = Assert.ThrowsAny<Exception>(() => ClientFor(endpoint));

        Assert.Contains($"Llm:Endpoint ({endpoint}) cannot be used", failure.ToString());
        Assert.True(factory.Logs.Contains("Hosting failed to start"), "the failed start is logged where the tests keep it");
    }

    [Fact]
    public async Task A_failing_model_server_answers_503_and_streams_nothing()
    {
        await using var failing = await OpenAiCompatibleServer.StartAsync(new SlowModel(), TinyModelServer.ModelName);
        failing.FailWith = 500;
        var client = ClientFor(failing.Endpoint);
        await SeedAsync(client, "model-server-failing");

        var plain = await client.PostAsJsonAsync("/v1/indexes/model-server-failing/ask", new { question = Question });
        var streamed = await client.PostAsJsonAsync("/v1/indexes/model-server-failing/ask", new { question = Question, stream = true });

        foreach (var response in new[] { plain, streamed })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("model server", await response.Content.ReadAsStringAsync());
        }
        Assert.True(failing.ChatRequests >= 2);
    }
}
