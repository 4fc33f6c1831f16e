using System.Security.Claims;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Server.Security;
using Microsoft.AspNetCore.Http.Timeouts;

namespace DocQa.Server.OpenAi;

/// <summary>
/// The OpenAI-compatible chat API: <c>POST /v1/chat/completions</c> answers the conversation's last question from an
/// index's documents (the model "docqa" is the default index, "docqa/{index}" another), with DocQa's grounded answer
/// and its [n] markers, and the citations in a top-level "citations" array. <c>GET /v1/models</c> lists the indexes
/// the caller may read as models. Keys, scopes and rate limits are those of the rest of /v1.
/// </summary>
public static class ChatCompletionEndpoints
{
    public const string ModelName = "docqa";
    private const string ModelPrefix = ModelName + "/";

    /// <summary>Routes whose errors take OpenAI's shape rather than a problem body.</summary>
    public static bool IsOpenAiRoute(PathString path) => path.StartsWithSegments("/v1/chat") || path.StartsWithSegments("/v1/models");

    public static RouteGroupBuilder MapChatCompletionEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/models", async (DocumentLibrary library, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var readable = (await library.ListIndexesAsync(ct)).Select(index => index.Name).Where(user.CanRead).ToList();
            var models = new List<ModelEntry>();
            if (user.CanRead(IndexNames.Default)) models.Add(new ModelEntry(ModelName, 0, ModelName));
            models.AddRange(readable.Select(index => new ModelEntry(ModelPrefix + index, 0, ModelName)));
            return Results.Json(new ModelList(models), JsonDefaults.Options);
        }).WithTags("OpenAI-compatible")
          .WithName("listModels")
          .Produces<ModelList>()
          .WithSummary("The indexes the caller may read, as models: \"docqa\" (the default index) and \"docqa/{index}\".");

        v1.MapPost("/chat/completions", async (ChatCompletionRequest body, HttpContext http, AskService ask, ITokenCounter tokens, CancellationToken ct) =>
        {
            var model = string.IsNullOrWhiteSpace(body.Model) ? ModelName : body.Model.Trim();
            var index = IndexOf(model);
            if (!http.User.CanRead(index))
                return Error(StatusCodes.Status403Forbidden, $"The API key '{http.User.Identity?.Name}' may not read index '{index}'.");
            var (question, history) = Conversation(body.Messages);
            var request = new AskRequest(index, question, History: history);
            var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

            if (body.Stream != true)
            {
                var result = await ask.AskAsync(request, ct);
                var completion = new ChatCompletion(id, created, model,
                    [new ChatChoice(0, new ChatMessageOut("assistant", result.Answer.Text), "stop")],
                    Usage(result.Answer, result.StandaloneQuestion ?? question, tokens),
                    CitationDto.From(result.Answer.Citations)) { StandaloneQuestion = result.StandaloneQuestion };
                return Results.Json(completion, JsonDefaults.Options);
            }

            // Everything that can refuse the request happens in StartAsync, before the first chunk is written.
            var started = await ask.StartAsync(request, ct);
            http.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
            await StreamAsync(http.Response, started, id, created, model, question, tokens, ct);
            return Results.Empty;
        }).WithTags("OpenAI-compatible")
          .WithName("createChatCompletion")
          .Produces<ChatCompletion>() // and text/event-stream: see ClientGeneratorConventions
          .WithSummary("OpenAI-compatible chat completions: the last user message is answered from the documents, earlier turns make a follow-up standalone.");
        return v1;
    }

    private static string IndexOf(string model)
    {
        var index = model == ModelName ? IndexNames.Default
            : model.StartsWith(ModelPrefix, StringComparison.Ordinal) ? model[ModelPrefix.Length..]
            : throw RequestRejectedException.NotFound(
                $"The model '{model}' does not exist: use '{ModelName}' for the default index or '{ModelPrefix}<index>'; GET /v1/models lists them.");
        IndexNames.Require(index);
        return index;
    }

    /// <summary>
    /// The last user message is the question; earlier user messages, each with the assistant's reply after it, are the
    /// history. System messages are not read: answers follow DocQa's own grounded instructions.
    /// </summary>
    private static (string Question, IReadOnlyList<ConversationTurn> History) Conversation(IReadOnlyList<ChatMessageIn>? messages)
    {
        var turns = (messages ?? []).Where(m => m is not null && m.Role is "user" or "assistant").ToList();
        if (turns.Count == 0 || turns[^1].Role != "user")
            throw RequestRejectedException.BadRequest("'messages' must end with the user's question (a message with role \"user\").");
        var history = new List<ConversationTurn>();
        for (var i = 0; i < turns.Count - 1; i++)
        {
            if (turns[i].Role != "user") continue;
            var reply = i + 1 < turns.Count - 1 && turns[i + 1].Role == "assistant" ? turns[i + 1].Text : null;
            history.Add(new ConversationTurn(turns[i].Text, reply));
        }
        return (turns[^1].Text, history);
    }

    private static async Task StreamAsync(HttpResponse response, AskStream started, string id, long created, string model, string question,
        ITokenCounter tokens, CancellationToken cancellationToken)
    {
        using var session = started.Session;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";

        async Task SendAsync(ChatCompletionChunk chunk)
        {
            await response.WriteAsync($"data: {JsonSerializer.Serialize(chunk, JsonDefaults.Options)}\n\n", cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }

        await SendAsync(new ChatCompletionChunk(id, created, model, [new ChatChunkChoice(0, new ChatDelta("assistant", ""), null)])
        {
            Citations = CitationDto.From(session.Citations),
            StandaloneQuestion = started.StandaloneQuestion,
        });
        await foreach (var update in session.Updates.WithCancellation(cancellationToken))
        {
            switch (update)
            {
                case AnswerDelta delta:
                    await SendAsync(new ChatCompletionChunk(id, created, model, [new ChatChunkChoice(0, new ChatDelta(Content: delta.Text), null)]));
                    break;
                case AnswerCompleted completed:
                    await SendAsync(new ChatCompletionChunk(id, created, model, [new ChatChunkChoice(0, new ChatDelta(), "stop")])
                    {
                        Usage = Usage(completed.Answer, started.StandaloneQuestion ?? question, tokens),
                        // The answer's sources again, now marked with those it referenced.
                        Citations = CitationDto.From(completed.Answer.Citations),
                    });
                    break;
            }
        }
        await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
    }

    /// <summary>The model's own counts when a model answered; else the embedding tokenizer's count of what was read and written.</summary>
    private static ChatUsage Usage(Answer answer, string question, ITokenCounter tokens) => answer.Usage is { } usage
        ? new ChatUsage(usage.PromptTokens, usage.AnswerTokens)
        : new ChatUsage(tokens.CountTokens(question) + answer.Citations.Sum(c => tokens.CountTokens(c.Text)), tokens.CountTokens(answer.Text));

    private static IResult Error(int status, string message) =>
        Results.Json(OpenAiErrors.For(status, message), JsonDefaults.Options, statusCode: status);
}
