using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace DocQa.Embeddings.Onnx;

/// <summary>
/// Sentence embeddings from all-MiniLM-L6-v2 run in-process by ONNX Runtime: mean pooling over the
/// text's tokens, then L2 normalisation, as the sentence-transformers model does. Texts longer than
/// the model's 256-token window are cut to it. Safe to call from many threads at once.
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    private const string InputIds = "input_ids";
    private const string AttentionMask = "attention_mask";
    private const string TokenTypeIds = "token_type_ids";
    private static readonly string[] OutputNames = ["last_hidden_state"];

    private readonly MiniLmOptions _options;
    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly SemaphoreSlim _runGate;
    private readonly EmbeddingGeneratorMetadata _metadata = new("onnxruntime", null, ModelName, Dimensions);
    private int _disposed;

    public MiniLmEmbeddingGenerator(MiniLmOptions? options = null, MiniLmTokenizer? tokenizer = null)
    {
        _options = options ?? new MiniLmOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.IntraOpThreads, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrentBatches, 1, nameof(options));

        Tokenizer = tokenizer ?? new MiniLmTokenizer();
        _sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = _options.GraphOptimizationLevel,
            EnableCpuMemArena = _options.EnableCpuMemArena,
        };
        try
        {
            _session = new InferenceSession(MiniLmResources.ReadModel(), _sessionOptions);
            _inputNames = CheckModelSignature(_session);
        }
        catch
        {
            _session?.Dispose();
            _sessionOptions.Dispose();
            throw;
        }

        _runGate = new SemaphoreSlim(_options.MaxConcurrentBatches, _options.MaxConcurrentBatches);

        // The model's 90 MB of bytes are garbage once the session holds its own copy. As a large object it would
        // wait for some later full collection and add to the process's peak; collect it now, once.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>The tokenizer whose ids the model is fed; the chunker should count with the same one.</summary>
    public MiniLmTokenizer Tokenizer { get; }

    public MiniLmOptions Options => _options;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (options?.Dimensions is int wanted && wanted != Dimensions)
        {
            throw new NotSupportedException($"{ModelName} produces {Dimensions}-dimensional vectors, not {wanted}.");
        }

        var inputs = values.Select(Tokenizer.EncodeForModel).ToArray();
        var vectors = new float[inputs.Length][];

        // Texts of similar length share a batch, so padding to the batch's longest text wastes little.
        // A request too small to fill a batch per runner is split evenly, so that it still uses them all.
        var batchSize = Math.Clamp(
            (inputs.Length + _options.MaxConcurrentBatches - 1) / _options.MaxConcurrentBatches, 1, _options.BatchSize);
        var batches = Enumerable.Range(0, inputs.Length)
            .OrderBy(i => inputs[i].Length)
            .Chunk(batchSize);

        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = _options.MaxConcurrentBatches,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(batches, parallel, async (batch, ct) =>
        {
            // The gate is shared by all callers, so concurrent requests do not oversubscribe the cores.
            await _runGate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                RunBatch(batch, inputs, vectors, ct);
            }
            finally
            {
                _runGate.Release();
            }
        }).ConfigureAwait(false);

        var createdAt = DateTimeOffset.UtcNow;
        var result = new GeneratedEmbeddings<Embedding<float>>(
            vectors.Select(v => new Embedding<float>(v) { ModelId = ModelName, CreatedAt = createdAt }))
        {
            Usage = new UsageDetails { InputTokenCount = inputs.Sum(i => (long)i.Length) },
        };
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return _metadata;
        }

        if (serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        return serviceType.IsInstanceOfType(Tokenizer) ? Tokenizer : null;
    }

    /// <summary>Releases the model; call it once no request is running any more.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _session.Dispose();
        _sessionOptions.Dispose();
        _runGate.Dispose();
    }

    private void RunBatch(int[] batch, long[][] inputs, float[][] vectors, CancellationToken cancellationToken)
    {
        var rows = batch.Length;
        var length = batch.Max(i => inputs[i].Length);

        // Padding id and token type are both 0, so only the ids and the mask need filling.
        var ids = new long[rows * length];
        var mask = new long[rows * length];
        var types = new long[rows * length];
        for (var row = 0; row < rows; row++)
        {
            var input = inputs[batch[row]];
            input.CopyTo(ids, row * length);
            mask.AsSpan(row * length, input.Length).Fill(1);
        }

        long[] shape = [rows, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        var values = _inputNames.Select(name => name switch
        {
            InputIds => idsValue,
            AttentionMask => maskValue,
            _ => typesValue,
        }).ToArray();

        using var runOptions = new RunOptions();
        using var stopOnCancel = cancellationToken.Register(() => runOptions.Terminate = true);
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(runOptions, _inputNames, values, OutputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        using (outputs)
        {
            // last_hidden_state is [rows, length, 384]; padding sits after each text's own tokens.
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            for (var row = 0; row < rows; row++)
            {
                var tokens = inputs[batch[row]].Length;
                vectors[batch[row]] = MeanPoolNormalized(hidden.Slice(row * length * Dimensions, tokens * Dimensions), tokens);
            }
        }
    }

    private static float[] MeanPoolNormalized(ReadOnlySpan<float> tokenStates, int tokens)
    {
        var vector = new float[Dimensions];
        for (var t = 0; t < tokens; t++)
        {
            TensorPrimitives.Add(vector, tokenStates.Slice(t * Dimensions, Dimensions), vector);
        }

        // Dividing by the token count would not change the direction, and the vector is scaled to unit length next.
        var norm = TensorPrimitives.Norm<float>(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return vector;
    }

    /// <summary>Reads which inputs the model declares, so that only those are fed, in its order.</summary>
    private static string[] CheckModelSignature(InferenceSession session)
    {
        foreach (var (name, meta) in session.InputMetadata)
        {
            if (name is not (InputIds or AttentionMask or TokenTypeIds) || meta.ElementType != typeof(long))
            {
                throw new InvalidOperationException($"Unexpected model input '{name}' of type {meta.ElementType.Name}.");
            }
        }

        if (!session.InputMetadata.ContainsKey(InputIds) || !session.InputMetadata.ContainsKey(AttentionMask))
        {
            throw new InvalidOperationException($"The model lacks the '{InputIds}' or '{AttentionMask}' input.");
        }

        if (!session.OutputMetadata.TryGetValue(OutputNames[0], out var output) || output.Dimensions[^1] != Dimensions)
        {
            throw new InvalidOperationException($"The model lacks a '{OutputNames[0]}' output of {Dimensions} values per token.");
        }

        return session.InputMetadata.Keys.ToArray();
    }
}
