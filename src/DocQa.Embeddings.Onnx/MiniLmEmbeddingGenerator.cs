using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace DocQa.Embeddings.Onnx;

/// <summary>
/// Sentence embeddings from all-MiniLM-L6-v2 run in-process by ONNX Runtime: mean pooling over the
/// text's tokens, then L2 normalisation, as the sentence-transformers model does. Texts longer than
/// the model's 256-token window are cut to it. Safe to call from many threads at once.
/// Requests of several texts (ingestion) run as single-threaded batches side by side on one session; a request of
/// one text (a search question) runs on a second session whose run uses all the cores.
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
    private readonly Lane _batches;
    private readonly Lane? _queries;
    private readonly EmbeddingGeneratorMetadata _metadata = new("onnxruntime", null, ModelName, Dimensions);
    private int _disposed;

    public MiniLmEmbeddingGenerator(MiniLmOptions? options = null, MiniLmTokenizer? tokenizer = null)
    {
        _options = options ?? new MiniLmOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.IntraOpThreads, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrentBatches, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.QueryThreads, 0, nameof(options));

        Tokenizer = tokenizer ?? new MiniLmTokenizer();
        (_batches, _queries) = CreateLanes(_options);

        // The model's 90 MB of bytes are garbage once the sessions hold their own copies. As a large object it would
        // wait for some later full collection and add to the process's peak; collect it now, once.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static (Lane Batches, Lane? Queries) CreateLanes(MiniLmOptions options)
    {
        var model = MiniLmResources.ReadModel();
        var batches = new Lane(model, options, options.IntraOpThreads, options.MaxConcurrentBatches, spinWhenIdle: true, shrinkArena: true);
        try
        {
            // One question at a time: two all-core runs at once would only take turns on the same cores.
            var queries = options.QueryThreads > 0
                ? new Lane(model, options, options.QueryThreads, concurrentRuns: 1, spinWhenIdle: false, shrinkArena: false)
                : null;
            return (batches, queries);
        }
        catch
        {
            batches.Dispose();
            throw;
        }
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
        if (inputs.Length == 1 && _queries is not null)
        {
            await _queries.RunAsync([0], inputs, vectors, cancellationToken).ConfigureAwait(false);
            return Result(inputs, vectors);
        }

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
        await Parallel.ForEachAsync(batches, parallel,
            (batch, ct) => new ValueTask(_batches.RunAsync(batch, inputs, vectors, ct))).ConfigureAwait(false);
        return Result(inputs, vectors);
    }

    private static GeneratedEmbeddings<Embedding<float>> Result(long[][] inputs, float[][] vectors)
    {
        var createdAt = DateTimeOffset.UtcNow;
        return new GeneratedEmbeddings<Embedding<float>>(
            vectors.Select(v => new Embedding<float>(v) { ModelId = ModelName, CreatedAt = createdAt }))
        {
            Usage = new UsageDetails { InputTokenCount = inputs.Sum(i => (long)i.Length) },
        };
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

        _batches.Dispose();
        _queries?.Dispose();
    }

    /// <summary>One ONNX Runtime session and the gate that bounds how many runs it has in flight over all callers.</summary>
    private sealed class Lane : IDisposable
    {
        private readonly SessionOptions _sessionOptions;
        private readonly InferenceSession _session;
        private readonly string[] _inputNames;
        private readonly SemaphoreSlim _gate;
        private readonly bool _shrinkArena;

        public Lane(byte[] model, MiniLmOptions options, int threads, int concurrentRuns, bool spinWhenIdle, bool shrinkArena)
        {
            _shrinkArena = shrinkArena && options.EnableCpuMemArena;
            _sessionOptions = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = options.GraphOptimizationLevel,
                EnableCpuMemArena = options.EnableCpuMemArena,
            };
            // Idle threads of ONNX Runtime's pool spin for a while by default, waiting for more work. A question's run
            // is followed by the vector scan, not by another run: let them sleep at once and leave it the cores.
            if (!spinWhenIdle) _sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            try
            {
                _session = new InferenceSession(model, _sessionOptions);
                _inputNames = CheckModelSignature(_session);
            }
            catch
            {
                _session?.Dispose();
                _sessionOptions.Dispose();
                throw;
            }
            _gate = new SemaphoreSlim(concurrentRuns, concurrentRuns);
        }

        public async Task RunAsync(int[] batch, long[][] inputs, float[][] vectors, CancellationToken cancellationToken)
        {
            // The gate is shared by all callers, so concurrent requests do not oversubscribe the cores.
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Run(batch, inputs, vectors, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose()
        {
            _session.Dispose();
            _sessionOptions.Dispose();
            _gate.Dispose();
        }

        private void Run(int[] batch, long[][] inputs, float[][] vectors, CancellationToken cancellationToken)
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
            // A batch of long texts grows the arena by a few hundred megabytes of activations, which it would keep
            // for the life of the process; handing them back after each batch cost no measurable throughput.
            if (_shrinkArena) runOptions.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
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
