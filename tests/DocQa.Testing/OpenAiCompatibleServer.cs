using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace DocQa.Testing;

/// <summary>
/// A model server on a loopback port that speaks the OpenAI API as Ollama, vLLM and llama-server do
/// (GET /v1/models, POST /v1/chat/completions plain and streamed as server-sent events), generating with any
/// <see cref="IChatClient"/>, so that a client under test sends and receives real HTTP.
/// </summary>
public sealed class OpenAiCompatibleServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private int chatRequests;

    private OpenAiCompatibleServer(WebApplication app, string model)
    {
        this.app = app;
        Model = model;
    }

    /// <summary>The base URL clients are given, ending in /v1.</summary>
    public string Endpoint => app.Urls.First() + "/v1";

    /// <summary>The only model the server runs.</summary>
    public string Model { get; }

    /// <summary>Chat completion requests received so far.</summary>
    public int ChatRequests => chatRequests;

    /// <summary>When set, chat completions fail with this status instead of generating (a model server in trouble).</summary>
    public int? FailWith { get; set; }

    public static async Task<OpenAiCompatibleServer> StartAsync(IChatClient generator, string model)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Loopback.FreePort()}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new OpenAiCompatibleServer(app, model);

        app.MapGet("/v1/models", () => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject { ["id"] = model, ["object"] = "model", ["created"] = 0, ["owned_by"] = "tests" }),
        }));
        app.MapPost("/v1/chat/completions", (HttpContext context) => server.CompleteAsync(context, generator));
        await app.StartAsync();
        return server;
    }

    private async Task CompleteAsync(HttpContext context, IChatClient generator)
    {
        Interlocked.Increment(ref chatRequests);
        if (FailWith is { } status)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["message"] = "the model server is failing" } });
            return;
        }

        var request = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var messages = request["messages"]!.AsArray().Select(m => new ChatMessage(new ChatRole((string)m!["role"]!), TextOf(m["content"]))).ToList();
        var options = new ChatOptions
        {
            MaxOutputTokens = (int?)(request["max_completion_tokens"] ?? request["max_tokens"]),
            Temperature = (float?)request["temperature"],
        };
        var cancellation = context.RequestAborted;

        if (request["stream"]?.GetValue<bool>() != true)
        {
            var response = await generator.GetResponseAsync(messages, options, cancellation);
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = "chatcmpl-test",
                ["object"] = "chat.completion",
                ["created"] = 0,
                ["model"] = Model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = response.Text },
                    ["finish_reason"] = FinishReason(response.FinishReason),
                }),
                ["usage"] = Usage(response.Usage),
            }, cancellation);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        UsageDetails? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in generator.GetStreamingResponseAsync(messages, options, cancellation))
        {
            usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
            finish = update.FinishReason ?? finish;
            if (!string.IsNullOrEmpty(update.Text))
                await SendAsync(context, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = update.Text }, null));
        }
        await SendAsync(context, Chunk(new JsonObject(), FinishReason(finish)));
        if (request["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
            await SendAsync(context, new JsonObject
            {
                ["id"] = "chatcmpl-test", ["object"] = "chat.completion.chunk", ["created"] = 0, ["model"] = Model,
                ["choices"] = new JsonArray(), ["usage"] = Usage(usage),
            });
        await context.Response.WriteAsync("data: [DONE]\n\n", cancellation);
    }

    private JsonObject Chunk(JsonObject delta, string? finishReason) => new()
    {
        ["id"] = "chatcmpl-test",
        ["object"] = "chat.completion.chunk",
        ["created"] = 0,
        ["model"] = Model,
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    private static async Task SendAsync(HttpContext context, JsonObject data)
    {
        await context.Response.WriteAsync($"data: {data.ToJsonString()}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>Message content is either a string or a list of parts, of which the text ones count here.</summary>
    private static string TextOf(JsonNode? content) => content switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Where(p => (string?)p?["type"] == "text").Select(p => (string?)p!["text"])),
        _ => "",
    };

    private static string FinishReason(ChatFinishReason? reason) => reason == ChatFinishReason.Length ? "length" : "stop";

    private static JsonObject Usage(UsageDetails? usage) => new()
    {
        ["prompt_tokens"] = usage?.InputTokenCount ?? 0,
        ["completion_tokens"] = usage?.OutputTokenCount ?? 0,
        ["total_tokens"] = usage?.TotalTokenCount ?? 0,
    };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
