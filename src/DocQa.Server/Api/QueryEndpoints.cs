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

        v1.MapPost("/indexes/{index}/ask", async (string index, AskRequestDto body, AskService ask, CancellationToken ct) =>
        {
            var request = new AskRequest(index, RequireText(body.Question, "question"), CheckTop(body.Top), body.Mode ?? RetrievalMode.Hybrid, body.Filter?.ToFilter());
            DocumentLibrary.RequireIndexName(index);
            return AskResponseDto.From(await ask.AskAsync(request, ct));
        }).WithTags("Query")
          .ProducesProblem(StatusCodes.Status400BadRequest)
          .WithSummary("Answers a question from the index's documents, with numbered citations.");

        v1.MapGet("/info", (IEmbeddingGenerator<string, Embedding<float>> embedder, AskService ask, IOptions<StorageOptions> storage) =>
        {
            var metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
            var version = typeof(QueryEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
            return new InfoDto(version, metadata?.DefaultModelId ?? "unknown", metadata?.DefaultModelDimensions ?? 0, ask.Mode, storage.Value.Provider);
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
