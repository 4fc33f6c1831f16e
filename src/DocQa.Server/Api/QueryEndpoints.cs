using DocQa.Contracts;
using System.Reflection;
using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Extraction;
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
        // The services check the request (Core's QueryLimits): the same checks and messages as the CLI and other front ends.
        v1.MapPost("/indexes/{index}/search", async (string index, SearchRequestDto body, Retriever retriever, CancellationToken ct) =>
        {
            var request = new SearchRequest(index, body.Query ?? "", body.Top, body.Mode ?? RetrievalMode.Hybrid, body.Filter?.ToFilter());
            var passages = await retriever.SearchAsync(request, ct);
            return new SearchResponseDto(passages.Select(SearchResultDto.From).ToList())
            {
                HighlightTerms = KeywordAnalyzer.MatchingWords(request.Query, passages.Select(p => p.Text)),
            };
        }).WithTags("Query")
          .WithName("search")
          .ProducesProblem(StatusCodes.Status400BadRequest)
          .WithSummary("Searches an index: hybrid (default), vector or keyword.");

        v1.MapPost("/indexes/{index}/ask", async (string index, AskRequestDto body, HttpContext http, AskService ask, CancellationToken ct) =>
        {
            var request = new AskRequest(index, body.Question ?? "", body.Top, body.Mode ?? RetrievalMode.Hybrid, body.Filter?.ToFilter(), body.ToHistory());
            var stream = body.Stream ?? http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
            if (!stream)
            {
                var result = await ask.AskAsync(request, ct);
                return Results.Ok(AskResponseDto.From(result) with { HighlightTerms = AnswerEvents.HighlightTerms(result.StandaloneQuestion ?? request.Question, result.Answer.Citations) });
            }
            // Everything that can refuse the request happens in StartAsync, before the event stream begins.
            var started = await ask.StartAsync(request, ct);
            // The request timeout covers the wait for a turn and the retrieval; once events flow, the answer's length is
            // bounded by Llm:MaxAnswerTokens and a client that leaves stops it, so a slow model is not cut off mid-answer.
            http.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
            return TypedResults.ServerSentEvents(AnswerEvents.Stream(started, ask, request.Question, ct));
        }).WithTags("Query")
          .WithName("ask")
          .Produces<AskResponseDto>() // and text/event-stream: see ClientGeneratorConventions
          .ProducesProblem(StatusCodes.Status400BadRequest)
          .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
          .WithSummary("Answers a question from the index's documents, with numbered citations; with \"stream\": true as Server-Sent Events (citations, delta…, done).");

        v1.MapGet("/info", (IEmbeddingGenerator<string, Embedding<float>> embedder, AskService ask, IOptions<StorageOptions> storage, Reembedder reembedder,
            Func<OcrStatus> ocrStatus) =>
        {
            var metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
            var version = typeof(QueryEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
            var progress = reembedder.Progress;
            return new InfoDto(version, metadata?.DefaultModelId ?? "unknown", metadata?.DefaultModelDimensions ?? 0, ask.Mode, ask.ModelName, storage.Value.Provider)
            {
                Reembedding = new ReembeddingDto(metadata?.DefaultModelId ?? progress.Model, progress.Documents, progress.Remaining, progress.InProgress),
                Ocr = OcrInfoDto.From(ocrStatus()),
            };
        }).WithTags("Server").WithName("getInfo").WithSummary("Versions and the models in use.");

        return v1;
    }
}
