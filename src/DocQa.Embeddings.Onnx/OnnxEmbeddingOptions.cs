using Microsoft.ML.OnnxRuntime;

namespace DocQa.Embeddings.Onnx;

/// <summary>How <see cref="OnnxEmbeddingGenerator"/> runs the model.</summary>
/// <remarks>
/// The defaults run one single-threaded batch per core. On two cores that embedded 220-token chunks
/// as fast as one two-threaded batch at a time when the machine was otherwise idle, and faster when
/// other work competed for the cores; batches of 16 were as fast as batches of 32 and keep a short
/// request (a question) from waiting long behind a batch already running.
/// </remarks>
public sealed record OnnxEmbeddingOptions
{
    /// <summary>Which model to run.</summary>
    public EmbeddingModel Model { get; init; } = EmbeddingModel.MiniLm;

    /// <summary>Texts per model run at most; each batch is padded only to its own longest text.</summary>
    public int BatchSize { get; init; } = 16;

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

    /// <summary>ONNX Runtime's memory arena: faster repeated runs at the cost of memory held between them.</summary>
    public bool EnableCpuMemArena { get; init; } = true;
}
