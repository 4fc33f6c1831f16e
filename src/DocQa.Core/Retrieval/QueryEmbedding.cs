using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace DocQa.Core.Retrieval;

/// <summary>
/// Marks an embedding request as a search question rather than a passage. Asymmetric models (arctic-embed) embed the
/// two differently, with an instruction before a question; the request carries the mark as <c>input_type: query</c>,
/// the name embedding APIs such as Cohere's and Voyage's give it, so any generator can read it.
/// </summary>
public static class QueryEmbedding
{
    public const string InputTypeKey = "input_type";
    public const string Query = "query";

    /// <summary>Options that mark the texts of a request as questions.</summary>
    public static EmbeddingGenerationOptions Options() => new() { AdditionalProperties = new() { [InputTypeKey] = Query } };

    public static bool IsQuery(EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(InputTypeKey, out var value) == true && Query.Equals(value as string, StringComparison.Ordinal);

    /// <summary>The vector of a search question.</summary>
    public static async Task<Embedding<float>> EmbedQueryAsync(
        this IEmbeddingGenerator<string, Embedding<float>> generator, string question, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var embedding = await generator.GenerateAsync(question, Options(), cancellationToken);
        DocQaTelemetry.EmbeddingDuration.RecordSince(start, new("docqa.purpose", "query"));
        return embedding;
    }
}
