using DocQa.Contracts;
using System.Reflection;
using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Hosting;
using DocQa.Server.Security;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace DocQa.Server.Api;

public static class QueryEndpoints
{
    public static RouteGroupBuilder MapQueryEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/indexes/{index}/search", async (string index, SearchRequestDto body, Retriever retriever, IOptions<LimitsOptions> limits, CancellationToken ct) =>
        {
            var request = new SearchRequest(index, RequireText(body.Query, "query", limits.Value), CheckTop(body.Top, limits.Value), CheckMode(body.Mode), body.Filter?.ToFilter());
            DocumentLibrary.RequireIndexName(index);
            var passages = await retriever.SearchAsync(request, ct);
            return new SearchResponseDto(passages.Select(SearchResultDto.From).ToList())
            {
                HighlightTerms = KeywordAnalyzer.MatchingWords(request.Query, passages.Select(p => p.Text)),
            };
        }).WithTags("Query")
          .ProducesProblem(StatusCodes.Status400BadRequest)
          .WithSummary("Searches an index: hybrid (default), vector or keyword.");

        v1.MapPost("/indexes/{index}/ask", async (string index, AskRequestDto body, HttpContext http, AskService ask, IOptions<LimitsOptions> limits, CancellationToken ct) =>
        {
            var request = new AskRequest(index, RequireText(body.Question, "question", limits.Value), CheckTop(body.Top, limits.Value), CheckMode(body.Mode), body.Filter?.ToFilter());
            DocumentLibrary.RequireIndexName(index);
            var stream = body.Stream ?? http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
            if (!stream)
            {
                var result = await ask.AskAsync(request, ct);
                return Results.Ok(AskResponseDto.From(result) with { HighlightTerms = AnswerEvents.HighlightTerms(request.Question, result.Answer.Citations) });
            }
            // Everything that can refuse the request happens in StartAsync, before the event stream begins.
            var started = await ask.StartAsync(request, ct);
            // The request timeout covers the wait for a turn and the retrieval; once events flow, the answer's length is
            // bounded by Llm:MaxAnswerTokens and a client that leaves stops it, so a slow model is not cut off mid-answer.
            http.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
            return TypedResults.ServerSentEvents(AnswerEvents.Stream(started, ask, request.Question, ct));
        }).WithTags("Query")
          .Produces<AskResponseDto>()
          .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
          .ProducesProblem(StatusCodes.Status400BadRequest)
          .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
          .WithSummary("Answers a question from the index's documents, with numbered citations; with \"stream\": true as Server-Sent Events (citations, delta…, done).");

        v1.MapGet("/info", (IEmbeddingGenerator<string, Embedding<float>> embedder, AskService ask, IOptions<StorageOptions> storage, Reembedder reembedder) =>
        {
            var metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
            var version = typeof(QueryEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
            var progress = reembedder.Progress;
            return new InfoDto(version, metadata?.DefaultModelId ?? "unknown", metadata?.DefaultModelDimensions ?? 0, ask.Mode, ask.ModelName, storage.Value.Provider)
            {
                Reembedding = new ReembeddingDto(metadata?.DefaultModelId ?? progress.Model, progress.Documents, progress.Remaining, progress.InProgress),
            };
        }).WithTags("Server").WithSummary("Versions and the models in use.");

        return v1;
    }

    private static string RequireText(string? text, string field, LimitsOptions limits)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw RequestRejectedException.BadRequest($"'{field}' is required.");
        if (text.Length > limits.MaxQuestionChars)
            throw RequestRejectedException.BadRequest($"'{field}' is longer than {limits.MaxQuestionChars} characters.");
        return text.Trim();
    }

    // The JSON reader takes enum names only; this also keeps out values that name no mode, from any caller.
    private static RetrievalMode CheckMode(RetrievalMode? mode) => mode switch
    {
        null => RetrievalMode.Hybrid,
        _ when Enum.IsDefined(mode.Value) => mode.Value,
        _ => throw RequestRejectedException.BadRequest("'mode' must be \"hybrid\", \"vector\" or \"keyword\"."),
    };

    private static int CheckTop(int? top, LimitsOptions limits) => top switch
    {
        null => Math.Min(5, limits.MaxTop),
        _ when top >= 1 && top <= limits.MaxTop => top.Value,
        _ => throw RequestRejectedException.BadRequest($"'top' must be between 1 and {limits.MaxTop}."),
    };
}
