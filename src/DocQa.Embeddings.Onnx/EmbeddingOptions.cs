using System.ComponentModel.DataAnnotations;

namespace DocQa.Embeddings.Onnx;

/// <summary>The embedding model and how it runs; bound from the "Embeddings" configuration section.</summary>
public sealed class EmbeddingOptions : IValidatableObject
{
    public const string Section = "Embeddings";

    /// <summary>
    /// The embedding model: <c>arctic-embed-xs</c> (snowflake-arctic-embed-xs) or <c>all-minilm-l6-v2</c>. A store
    /// built with another model is re-embedded in the background from the chunk text it holds.
    /// </summary>
    public string Model { get; set; } = DefaultModel.Id;

    /// <summary>
    /// snowflake-arctic-embed-xs: on the SEC 10-Q evaluation (hybrid) it finds the right document first more often
    /// than all-MiniLM-L6-v2 (docHit@1 0.856 against 0.821, MRR@10 0.900 against 0.876) at the same cost.
    /// </summary>
    public static EmbeddingModel DefaultModel => EmbeddingModel.ArcticXs;

    public EmbeddingModel ResolveModel() => EmbeddingModel.Find(Model) ?? throw new InvalidOperationException($"Unknown embedding model '{Model}'.");

    /// <summary>
    /// <c>int8</c> (the default) or <c>float32</c>: the numbers the model's weight matrices are multiplied in. int8
    /// embeds about twice as fast on the same cores, its vectors point the same way as float32's (cosine 0.998 on
    /// average over the SEC 10-Q chunks) and find the same passages, so a store built with one precision is searched
    /// and extended with the other as it is, without re-embedding.
    /// </summary>
    public string Precision { get; set; } = "int8";

    public EmbeddingPrecision ResolvePrecision() => ParsePrecision(Precision) ?? throw new InvalidOperationException($"Unknown embedding precision '{Precision}'.");

    private static EmbeddingPrecision? ParsePrecision(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "int8" => EmbeddingPrecision.Int8,
        "float32" => EmbeddingPrecision.Float32,
        _ => null,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EmbeddingModel.Find(Model) is null)
            yield return new ValidationResult(
                $"Embeddings:Model '{Model}' is not a known model; use one of {string.Join(", ", EmbeddingModel.All.Select(m => m.Id))}.",
                [nameof(Model)]);
        if (ParsePrecision(Precision) is null)
            yield return new ValidationResult(
                $"Embeddings:Precision '{Precision}' is not a known precision; use int8 or float32.", [nameof(Precision)]);
    }

    /// <summary>Threads ONNX Runtime uses inside one model run.</summary>
    [Range(1, 256)]
    public int Threads { get; set; } = 1;

    /// <summary>Model runs in flight at once; 0 means one per core (single-threaded runs side by side keep every core busy).</summary>
    [Range(0, 256)]
    public int ConcurrentBatches { get; set; }

    /// <summary>Texts per model run at most.</summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Tokens per model run at most, padding included: a chunk of a few hundred tokens runs alone, short texts share a run.</summary>
    [Range(1, 1_000_000)]
    public int BatchTokens { get; set; } = OnnxEmbeddingOptions.DefaultBatchTokens;

    /// <summary>
    /// Threads of the run that embeds a search question, on a session of its own so that a question never waits
    /// behind ingestion's batches; 0 means one per core, up to 4.
    /// </summary>
    [Range(0, 256)]
    public int QueryThreads { get; set; }

    /// <summary>
    /// False: questions share the batch session like any other request (one model copy less, about 55 MB, for a
    /// machine short of memory; questions then queue behind ingestion's batches).
    /// </summary>
    public bool SeparateQuerySession { get; set; } = true;

    /// <summary>The generator's settings: runs of <see cref="BatchSize"/> texts side by side, questions on a session of their own.</summary>
    /// <param name="cacheDirectory">Where the int8 model is kept between starts (the data directory's models folder).</param>
    public OnnxEmbeddingOptions ToGeneratorOptions(string? cacheDirectory = null) => new()
    {
        Model = ResolveModel(),
        Precision = ResolvePrecision(),
        CacheDirectory = cacheDirectory,
        BatchSize = BatchSize,
        BatchTokens = BatchTokens,
        IntraOpThreads = Threads,
        MaxConcurrentBatches = ConcurrentBatches > 0 ? ConcurrentBatches : Environment.ProcessorCount,
        QueryThreads = !SeparateQuerySession ? 0 : QueryThreads > 0 ? QueryThreads : OnnxEmbeddingOptions.DefaultQueryThreads,
    };
}
