using System.ComponentModel.DataAnnotations;
using DocQa.Core.Answering.Generation;
using Microsoft.Extensions.AI;

namespace DocQa.Llm.OpenAI.Tests;

public sealed class OpenAiLanguageModelTests(ModelServerFixture fixture) : IClassFixture<ModelServerFixture>
{
    private static readonly ChatMessage[] Greeting = [new(ChatRole.User, "Say hello.")];

    [Fact]
    public async Task The_model_on_the_server_answers()
    {
        var model = new OpenAiLanguageModel(fixture.Options());

        var response = await model.ChatClient.GetResponseAsync(Greeting, new ChatOptions { MaxOutputTokens = 16 });

        Assert.Equal("Hello world!", response.Text.Trim());
        Assert.Equal(ModelServerFixture.ModelName, model.Name);
    }

    [Fact]
    public async Task The_answer_streams_token_by_token()
    {
        var model = new OpenAiLanguageModel(fixture.Options());

        var pieces = new List<string>();
        await foreach (var update in model.ChatClient.GetStreamingResponseAsync(Greeting, new ChatOptions { MaxOutputTokens = 16 }))
            if (!string.IsNullOrEmpty(update.Text)) pieces.Add(update.Text);

        Assert.True(pieces.Count >= 3, $"expected a piece per token, got [{string.Join("|", pieces)}]");
        Assert.Equal("Hello world!", string.Concat(pieces).Trim());
    }

    [Fact]
    public async Task The_probe_finds_a_running_server_and_tells_why_another_cannot_be_used()
    {
        Assert.Null(await OpenAiLanguageModel.ProbeAsync(fixture.Options(), TimeSpan.FromSeconds(5)));

        var dead = fixture.Options($"http://127.0.0.1:{Loopback.FreePort()}/v1");
        var reason = await OpenAiLanguageModel.ProbeAsync(dead, TimeSpan.FromSeconds(5));
        Assert.NotNull(reason);
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_as_an_unavailable_model()
    {
        var model = new OpenAiLanguageModel(fixture.Options($"http://127.0.0.1:{Loopback.FreePort()}/v1"));

        var failure = await Assert.ThrowsAsync<ModelUnavailableException>(async () =>
        {
            await foreach (var _ in model.ChatClient.GetStreamingResponseAsync(Greeting)) { }
        });
        Assert.Contains("cannot be reached", failure.Message);
    }

    [Fact]
    public async Task A_failing_server_is_reported_as_an_unavailable_model()
    {
        await using var failing = await OpenAiCompatibleServer.StartAsync(new EchoClient(), "failing");
        failing.FailWith = 500;
        var model = new OpenAiLanguageModel(fixture.Options(failing.Endpoint));

        var failure = await Assert.ThrowsAsync<ModelUnavailableException>(() => model.ChatClient.GetResponseAsync(Greeting));

        Assert.Contains("500", failure.Message);
        Assert.Equal(1, failing.ChatRequests);
    }

    [Fact]
    public void Token_counts_are_estimated_on_the_high_side()
    {
        var model = new OpenAiLanguageModel(fixture.Options());
        const string text = "The quarterly revenue grew by eight percent over the same period last year.";

        // Common tokenizers take about four characters per token for English; the estimate must not count fewer.
        Assert.True(model.CountTokens(text) >= text.Length / 4);
        Assert.True(model.CountTokens(Greeting) > model.CountTokens(Greeting[0].Text));
    }

    [Theory]
    [InlineData(null, "qwen", "Llm:Endpoint")]
    [InlineData("localhost:11434/v1", "qwen", "Llm:Endpoint")]
    [InlineData("ftp://gpu-box/v1", "qwen", "Llm:Endpoint")]
    [InlineData("http://gpu-box:11434/v1", " ", "Llm:Model")]
    public void Settings_that_name_no_server_or_model_are_refused_naming_the_key(string? endpoint, string model, string key)
    {
        var options = new OpenAiOptions { Endpoint = endpoint, Model = model };

        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.ErrorMessage!.StartsWith(key, StringComparison.Ordinal));
    }

    /// <summary>Never asked: the server it stands behind fails every request.</summary>
    private sealed class EchoClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }
}
