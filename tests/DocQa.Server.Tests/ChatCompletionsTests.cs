using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocQa.Core.Documents;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace DocQa.Server.Tests;

/// <summary>The server with API keys on a loopback port, and two yearly reports in index A: what an OpenAI client talks to.</summary>
public sealed class ChatServerFactory : SecuredServerFactory
{
    private readonly Lazy<Task<Uri>> _started;

    public ChatServerFactory() => _started = new Lazy<Task<Uri>>(StartAsync);

    /// <summary>The server's /v1 address, once its documents are ready.</summary>
    public Task<Uri> ApiAsync() => _started.Value;

    private async Task<Uri> StartAsync()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        using var admin = new HttpClient { BaseAddress = address };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", Admin);
        await admin.UploadAsync(IndexA, "harbor-2023.txt",
            "Harbor Lights Ltd. Annual report for 2023.\n\nIn 2023 Harbor Lights sold 1,200 brass lanterns to coastal towns."u8.ToArray());
        await admin.UploadAsync(IndexA, "harbor-2022.txt",
            "Harbor Lights Ltd. Annual report for 2022.\n\nIn 2022 Harbor Lights sold 950 brass lanterns to coastal towns."u8.ToArray());
        await admin.UploadAsync(IndexB, "payroll.txt", "The payroll secret: every keeper of the north lighthouse earns forty crowns."u8.ToArray());
        foreach (var (index, id) in new[] { (IndexA, "harbor-2023-txt"), (IndexA, "harbor-2022-txt"), (IndexB, "payroll-txt") })
            Assert.Equal(DocumentStatus.Ready, (await admin.WaitForDocumentAsync(index, id)).Status);
        return new Uri(address, "/v1");
    }
}

/// <summary>The official OpenAI .NET client against DocQa's chat completions over real HTTP.</summary>
public sealed class ChatCompletionsTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    private async Task<ChatClient> ClientAsync(string key, string model = "docqa/" + SecuredServerFactory.IndexA) =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = await server.ApiAsync() });

    [Fact]
    public async Task A_plain_answer_is_grounded_and_carries_its_citations()
    {
        var chat = await ClientAsync(server.ReaderA);

        var result = await chat.CompleteChatAsync([new UserChatMessage("How many brass lanterns did Harbor Lights sell in 2023?")]);

        var text = result.Value.Content[0].Text;
        Assert.Contains("1,200", text);
        Assert.Contains("[1]", text);
        Assert.Equal(ChatFinishReason.Stop, result.Value.FinishReason);
        Assert.True(result.Value.Usage.InputTokenCount > 0 && result.Value.Usage.OutputTokenCount > 0);
        using var raw = JsonDocument.Parse(result.GetRawResponse().Content);
        var citations = raw.RootElement.GetProperty("citations").EnumerateArray().ToList();
        Assert.Contains(citations, c => c.GetProperty("fileName").GetString() == "harbor-2023.txt" && c.GetProperty("referenced").GetBoolean());
    }

    [Fact]
    public async Task A_streamed_answer_arrives_in_chunks_with_usage_at_the_end()
    {
        var chat = await ClientAsync(server.ReaderA);

        var text = "";
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("How many brass lanterns did Harbor Lights sell in 2022?")]))
        {
            text += string.Concat(update.ContentUpdate.Select(part => part.Text));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Contains("950", text);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.TotalTokenCount > 0);
    }

    [Fact]
    public async Task A_follow_up_is_answered_about_the_same_subject_for_the_period_it_points_to()
    {
        var chat = await ClientAsync(server.ReaderA);
        List<ChatMessage> messages = [new SystemChatMessage("You are a helpful assistant."), new UserChatMessage("How many brass lanterns did Harbor Lights sell in 2023?")];
        var first = await chat.CompleteChatAsync(messages);
        messages.Add(new AssistantChatMessage(first.Value.Content[0].Text));
        messages.Add(new UserChatMessage("And the year before?"));

        var second = await chat.CompleteChatAsync(messages);

        Assert.Contains("950", second.Value.Content[0].Text);
        using var raw = JsonDocument.Parse(second.GetRawResponse().Content);
        Assert.Equal("How many brass lanterns did Harbor Lights sell in 2022?", raw.RootElement.GetProperty("standalone_question").GetString());
    }

    [Fact]
    public async Task Keys_and_scopes_apply_as_on_ask_with_errors_in_OpenAI_shape()
    {
        var question = new UserChatMessage("How many brass lanterns did Harbor Lights sell in 2023?");

        var unknownKey = await Assert.ThrowsAsync<ClientResultException>(async () => await (await ClientAsync("not-a-key")).CompleteChatAsync([question]));
        var otherIndex = await Assert.ThrowsAsync<ClientResultException>(async () =>
            await (await ClientAsync(server.ReaderB)).CompleteChatAsync([question]));
        var noModel = await Assert.ThrowsAsync<ClientResultException>(async () =>
            await (await ClientAsync(server.ReaderA, "gpt-4o")).CompleteChatAsync([question]));

        Assert.Equal(401, unknownKey.Status);
        Assert.Equal(403, otherIndex.Status);
        Assert.Equal(404, noModel.Status);
        using var error = JsonDocument.Parse(noModel.GetRawResponse()!.Content);
        Assert.Equal("model_not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("docqa/<index>", error.RootElement.GetProperty("error").GetProperty("message").GetString());
        using var denied = JsonDocument.Parse(otherIndex.GetRawResponse()!.Content);
        Assert.Equal("permission_error", denied.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Models_lists_the_indexes_the_key_may_read_and_a_bad_conversation_is_refused()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", server.ReaderA);
        var api = await server.ApiAsync();

        using var models = JsonDocument.Parse(await http.GetStringAsync(new Uri(api + "/models")));
        var ids = models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        var noQuestion = await http.PostAsJsonAsync(new Uri(api + "/chat/completions"),
            new { model = "docqa/" + SecuredServerFactory.IndexA, messages = new[] { new { role = "assistant", content = "Hello." } } });

        Assert.Equal(["docqa/" + SecuredServerFactory.IndexA], ids);
        Assert.Equal(HttpStatusCode.BadRequest, noQuestion.StatusCode);
        using var error = JsonDocument.Parse(await noQuestion.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }
}
