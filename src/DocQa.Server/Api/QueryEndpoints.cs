using DocQa.Contracts;
using System.Reflection;
using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace DocQa.Server.Api;

public static class QueryEndpoints
{
    private const int MaxTop = 50;
    private const int MaxQueryLength = 4000;

    public static RouteGroupBuilder MapQueryEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/indexes/{index}/search", async (string index, SearchRequestDto body, Retriever retriever, CancellationToken ct) =>
        {
            var request = new SearchRequest(index, RequireText(body.Query, "query"), CheckTop(body.Top), body.Mode ?? RetrievalMode.Hybrid, body.Filter?.ToFilter());
            DocumentLibrary.RequireIndexName(index);
            var passages = await retriever.SearchAsync(request, ct);
            return new SearchResponseDto(passages.Select(SearchResultDto.From).ToList());
        }).WithTags("Query")
          .ProducesProblem(StatusCodes.Status400BadRequest)
          .WithSummary("Searches an index: hybrid (default), vector or keyword.");

        v1.MapPost("/indexes/{index}/ask", async (string index, AskRequestDto body, HttpContext http, AskService ask, CancellationToken ct) =>
        {
            var request = new AskRequest(index, RequireText(body.Question, "question"), CheckTop(body.Top), body.Mode ?? RetrievalMode.Hybrid, body.Filter?.ToFilter());
            DocumentLibrary.RequireIndexName(index);
            var stream = body.Stream ?? http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
            if (!stream)
                return Results.Ok(AskResponseDto.From(await ask.AskAsync(request, ct)));
            // Everything that can refuse the request happens in StartAsync, before the event stream begins.
            var started = await ask.StartAsync(request, ct);
            return TypedResults.ServerSentEvents(AnswerEvents.Stream(started, ask, ct));
        }).WithTags("Query")
          .Produces<AskResponseDto>()
          .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
          .ProducesProblem(StatusCodes.Status400BadRequest)
          .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
          .WithSummary("Answers a question from the index's documents, with numbered citations; with \"stream\": true as Server-Sent Events (citations, delta…, done).");

        v1.MapGet("/info", (IEmbeddingGenerator<string, Embedding<float>> embedder, AskService ask, IOptions<StorageOptions> storage) =>
        {
            var metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
            var version = typeof(QueryEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
            return new InfoDto(version, metadata?.DefaultModelId ?? "unknown", metadata?.DefaultModelDimensions ?? 0, ask.Mode, ask.ModelName, storage.Value.Provider);
        }).WithTags("Server").WithSummary("Versions and the models in use.");

        return v1;
    }

    private static string RequireText(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw RequestRejectedException.BadRequest($"'{field}' is required.");
        if (text.Length > MaxQueryLength)
            throw RequestRejectedException.BadRequest($"'{field}' is longer than {MaxQueryLength} characters.");
        return text.Trim();
    }

    private static int CheckTop(int? top) => top switch
    {
        null => 5,
        >= 1 and <= MaxTop => top.Value,
        _ => throw RequestRejectedException.BadRequest($"'top' must be between 1 and {MaxTop}."),
    };
}
