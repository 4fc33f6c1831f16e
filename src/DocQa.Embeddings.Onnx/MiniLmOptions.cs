using Microsoft.ML.OnnxRuntime;

namespace DocQa.Embeddings.Onnx;

/// <summary>How <see cref="MiniLmEmbeddingGenerator"/> runs the model.</summary>
public sealed record MiniLmOptions
{
    /// <summary>Texts per model run; each batch is padded only to its own longest text.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Threads ONNX Runtime uses inside one model run.</summary>
    public int IntraOpThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Model runs in flight at once over all callers; further batches wait their turn.</summary>
    public int MaxConcurrentBatches { get; init; } = 1;

    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>ONNX Runtime's memory arena: faster repeated runs at the cost of memory held between them.</summary>
    public bool EnableCpuMemArena { get; init; } = true;
}
