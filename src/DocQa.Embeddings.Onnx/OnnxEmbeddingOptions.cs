using Microsoft.ML.OnnxRuntime;

namespace DocQa.Embeddings.Onnx;

/// <summary>How <see cref="OnnxEmbeddingGenerator"/> runs the model.</summary>
/// <remarks>
/// The defaults run one single-threaded batch per core, each of at most <see cref="BatchTokens"/> tokens: a chunk
/// runs alone, short texts (an answer's candidate sentences) share a run. Small runs keep their activations in the
/// cores' caches: on two AVX-512 cores, 1,200 chunks of 10-Q text (about 180 tokens each) embedded at 133 chunks/s
/// one text a run (int8; float32 58) against 113 with 4 texts a run and 101 with 16.
/// </remarks>
public sealed record OnnxEmbeddingOptions
{
    /// <summary>Which model to run.</summary>
    public EmbeddingModel Model { get; init; } = EmbeddingModel.MiniLm;

    /// <summary>Texts per model run at most; each batch is padded only to its own longest text.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Tokens per model run at most (its texts times the longest of them); a longer text runs alone.</summary>
    public int BatchTokens { get; init; } = DefaultBatchTokens;

    /// <summary>
    /// Chunks of more than 128 tokens run one at a time, while short texts (an answer's candidate sentences of 30–40
    /// tokens) still share runs, where they ran 15 % faster than alone. 256 and 512 gave the same throughput within
    /// the noise (131 and 121 chunks/s on chunks, 717 and 739 texts/s on sentences), 1,024 less on chunks (123).
    /// </summary>
    public const int DefaultBatchTokens = 256;

    /// <summary>Threads ONNX Runtime uses inside one model run.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Model runs in flight at once over all callers; further batches wait their turn.</summary>
    public int MaxConcurrentBatches { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Threads of the separate session that embeds single texts (search questions). A question is a few dozen
    /// tokens, too few to share out between batches, so its one run is split over the cores instead (10 ms -> 5 ms
    /// on two cores); and having its own session, a question never waits behind ingestion's batches.
    /// 0: single texts share the batch session like any other request (one model copy less, about 55 MB).
    /// </summary>
    public int QueryThreads { get; init; } = DefaultQueryThreads;

    /// <summary>One per core, up to 4: beyond that a run of a few dozen tokens has too little to share out.</summary>
    public static int DefaultQueryThreads => Math.Min(Environment.ProcessorCount, 4);

    /// <summary>Float32 runs the model as published; Int8 runs its int8 form (<see cref="Int8Quantizer"/>).</summary>
    public EmbeddingPrecision Precision { get; init; } = EmbeddingPrecision.Float32;

    /// <summary>Where the int8 form of the model is kept between starts; null: made again at each start.</summary>
    public string? CacheDirectory { get; init; }

    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// ONNX Runtime's memory arena: faster repeated runs at the cost of memory held between them. The batch session
    /// hands it back once it has been idle for <see cref="ArenaIdleRelease"/>.
    /// </summary>
    public bool EnableCpuMemArena { get; init; } = true;

    /// <summary>
    /// How long the batch session waits without work before handing its arena's memory back. Handing it back after
    /// every run instead cost 15–45 % of the throughput (the next run touches fresh pages again).
    /// </summary>
    public TimeSpan ArenaIdleRelease { get; init; } = TimeSpan.FromSeconds(2);
}
