using System.Numerics.Tensors;
using DocQa.Core.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace DocQa.Embeddings.Onnx;

/// <summary>
/// Sentence embeddings from an open BERT-style model (<see cref="EmbeddingModel"/>) run in-process by ONNX Runtime:
/// the model's pooling over the text's tokens, then L2 normalisation, as sentence-transformers does. Texts longer
/// than the model's window are cut to it. Requests marked as questions (<see cref="QueryEmbedding"/>) get the model's
/// query prefix. Safe to call from many threads at once.
/// Requests of several texts (ingestion) run as single-threaded batches side by side on one session; a request of
/// one text (a search question) runs on a second session whose run uses all the cores.
/// </summary>
public sealed class OnnxEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const string InputIds = "input_ids";
    private const string AttentionMask = "attention_mask";
    private const string TokenTypeIds = "token_type_ids";
    private static readonly string[] OutputNames = ["last_hidden_state"];

    private readonly OnnxEmbeddingOptions _options;
    private readonly Lane _batches;
    private readonly Lane? _queries;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private int _disposed;

    public OnnxEmbeddingGenerator(OnnxEmbeddingOptions? options = null, WordPieceTokenizer? tokenizer = null)
        : this(options, tokenizer, model: null)
    {
    }

    /// <param name="model">The model's bytes, when not those <paramref name="options"/> name.</param>
    internal OnnxEmbeddingGenerator(OnnxEmbeddingOptions? options, WordPieceTokenizer? tokenizer, byte[]? model)
    {
        _options = options ?? new OnnxEmbeddingOptions();
        Tokenizer = tokenizer ?? new WordPieceTokenizer(_options.Model);
        if (Tokenizer.Model != _options.Model)
            throw new ArgumentException($"The tokenizer is {Tokenizer.Model}'s, not {_options.Model}'s.", nameof(tokenizer));
        Model = _options.Model;
        _metadata = new("onnxruntime", null, Model.Name, Model.Dimensions);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchTokens, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.IntraOpThreads, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrentBatches, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.QueryThreads, 0, nameof(options));

        (_batches, _queries) = CreateLanes(model ?? LoadModel(_options), _options);

        // The model's 90 MB of bytes are garbage once the sessions hold their own copies. As a large object it would
        // wait for some later full collection and add to the process's peak; collect it now, once.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static byte[] LoadModel(OnnxEmbeddingOptions options)
    {
        if (options.Precision != EmbeddingPrecision.Int8) return ModelResources.ReadModel(options.Model);

        var quantized = QuantizedModelCache.Load(options.Model, ModelResources.ReadModel(options.Model), options.CacheDirectory);
        // The published model and what was parsed from it (up to 180 MB) are garbage now: collect them before the
        // sessions take their native copies, so that they do not add to the process's peak.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return quantized;
    }

    private static (Lane Batches, Lane? Queries) CreateLanes(byte[] model, OnnxEmbeddingOptions options)
    {
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
    public WordPieceTokenizer Tokenizer { get; }

    public OnnxEmbeddingOptions Options => _options;

    /// <summary>How often the batch session handed its arena's memory back after an idle spell.</summary>
    internal int ArenaReleases => _batches.ArenaReleases;

    public EmbeddingModel Model { get; }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (options?.Dimensions is int wanted && wanted != Model.Dimensions)
        {
            throw new NotSupportedException($"{Model.Name} produces {Model.Dimensions}-dimensional vectors, not {wanted}.");
        }

        var prefix = QueryEmbedding.IsQuery(options) ? Model.QueryPrefix : null;
        var inputs = values.Select(text => Tokenizer.EncodeForModel(prefix + text)).ToArray();
        var vectors = new float[inputs.Length][];
        if (inputs.Length == 1 && _queries is not null)
        {
            await _queries.RunAsync([0], inputs, vectors, cancellationToken).ConfigureAwait(false);
            return Result(Model, inputs, vectors);
        }

        // A request too small to fill a batch per runner is split evenly, so that it still uses them all.
        var batchSize = Math.Clamp(
            (inputs.Length + _options.MaxConcurrentBatches - 1) / _options.MaxConcurrentBatches, 1, _options.BatchSize);
        var batches = Batches(inputs, batchSize, _options.BatchTokens);

        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = _options.MaxConcurrentBatches,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(batches, parallel,
            (batch, ct) => new ValueTask(_batches.RunAsync(batch, inputs, vectors, ct))).ConfigureAwait(false);
        return Result(Model, inputs, vectors);
    }

    /// <summary>
    /// Texts of similar length together, so that padding to a batch's longest text wastes little, each batch of at most
    /// <paramref name="batchSize"/> texts and <paramref name="batchTokens"/> tokens counted with that padding.
    /// </summary>
    internal static List<int[]> Batches(long[][] inputs, int batchSize, int batchTokens)
    {
        var batches = new List<int[]>();
        var batch = new List<int>(batchSize);
        foreach (var i in Enumerable.Range(0, inputs.Length).OrderBy(i => inputs[i].Length))
        {
            // Sorted by length, so the text being added is the batch's longest.
            if (batch.Count > 0 && (batch.Count == batchSize || (batch.Count + 1) * inputs[i].Length > batchTokens))
            {
                batches.Add([.. batch]);
                batch.Clear();
            }
            batch.Add(i);
        }
        if (batch.Count > 0) batches.Add([.. batch]);
        return batches;
    }

    private static GeneratedEmbeddings<Embedding<float>> Result(EmbeddingModel model, long[][] inputs, float[][] vectors)
    {
        var createdAt = DateTimeOffset.UtcNow;
        return new GeneratedEmbeddings<Embedding<float>>(
            vectors.Select(v => new Embedding<float>(v) { ModelId = model.Name, CreatedAt = createdAt }))
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
        private readonly EmbeddingModel _model;
        private readonly Timer? _releaseWhenIdle;
        private readonly TimeSpan _idleRelease;
        private int _active; // runs waiting or running

        private int _arenaReleases;

        /// <summary>How often the arena was handed back.</summary>
        public int ArenaReleases => Volatile.Read(ref _arenaReleases);

        public Lane(byte[] model, OnnxEmbeddingOptions options, int threads, int concurrentRuns, bool spinWhenIdle, bool shrinkArena)
        {
            _model = options.Model;
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
                _inputNames = CheckModelSignature(_session, _model.Dimensions);
            }
            catch
            {
                _session?.Dispose();
                _sessionOptions.Dispose();
                throw;
            }
            _gate = new SemaphoreSlim(concurrentRuns, concurrentRuns);
            // A batch of long texts grows the arena by up to a few hundred megabytes of activations, which it would
            // keep for the life of the process: hand them back once the lane has been idle for a while.
            if (shrinkArena && options.EnableCpuMemArena)
            {
                _idleRelease = options.ArenaIdleRelease;
                _releaseWhenIdle = new Timer(_ => ReleaseArenaIfIdle());
            }
        }

        public async Task RunAsync(int[] batch, long[][] inputs, float[][] vectors, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _active);
            try
            {
                // The gate is shared by all callers, so concurrent requests do not oversubscribe the cores.
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    Run(batch, inputs, vectors, shrinkArena: false, cancellationToken);
                }
                finally
                {
                    _gate.Release();
                }
            }
            finally
            {
                if (Interlocked.Decrement(ref _active) == 0 && _releaseWhenIdle is not null)
                {
                    try
                    {
                        _releaseWhenIdle.Change(_idleRelease, Timeout.InfiniteTimeSpan);
                    }
                    catch (ObjectDisposedException)
                    {
                        // Disposed meanwhile: nothing left to release.
                    }
                }
            }
        }

        /// <summary>ONNX Runtime shrinks its arena only at the end of a run: a one-token run that asks for it.</summary>
        private void ReleaseArenaIfIdle()
        {
            if (Volatile.Read(ref _active) != 0 || !_gate.Wait(0))
                return;
            try
            {
                Run([0], [[0]], new float[1][], shrinkArena: true, CancellationToken.None);
                Interlocked.Increment(ref _arenaReleases);
            }
            catch (OnnxRuntimeException)
            {
                // Only memory is at stake; the next idle spell tries again.
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose()
        {
            if (_releaseWhenIdle is not null)
            {
                // Waits for a release in progress, which runs on the session.
                using var released = new ManualResetEvent(false);
                if (_releaseWhenIdle.Dispose(released))
                    released.WaitOne();
            }
            _session.Dispose();
            _sessionOptions.Dispose();
            _gate.Dispose();
        }

        private void Run(int[] batch, long[][] inputs, float[][] vectors, bool shrinkArena, CancellationToken cancellationToken)
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
            if (shrinkArena) runOptions.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
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
                // last_hidden_state is [rows, length, dimensions]; padding sits after each text's own tokens.
                var dimensions = _model.Dimensions;
                var hidden = outputs[0].GetTensorDataAsSpan<float>();
                for (var row = 0; row < rows; row++)
                {
                    var tokens = inputs[batch[row]].Length;
                    var states = hidden.Slice(row * length * dimensions, tokens * dimensions);
                    vectors[batch[row]] = _model.Pooling == Pooling.Cls
                        ? Normalized(states[..dimensions])
                        : MeanPoolNormalized(states, tokens, dimensions);
                }
            }
        }
    }

    private static float[] MeanPoolNormalized(ReadOnlySpan<float> tokenStates, int tokens, int dimensions)
    {
        var vector = new float[dimensions];
        for (var t = 0; t < tokens; t++)
        {
            TensorPrimitives.Add(vector, tokenStates.Slice(t * dimensions, dimensions), vector);
        }

        // Dividing by the token count would not change the direction, and the vector is scaled to unit length next.
        return Normalize(vector);
    }

    private static float[] Normalized(ReadOnlySpan<float> state) => Normalize(state.ToArray());

    private static float[] Normalize(float[] vector)
    {
        var norm = TensorPrimitives.Norm<float>(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return vector;
    }

    /// <summary>Reads which inputs the model declares, so that only those are fed, in its order.</summary>
    private static string[] CheckModelSignature(InferenceSession session, int dimensions)
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

        if (!session.OutputMetadata.TryGetValue(OutputNames[0], out var output) || output.Dimensions[^1] != dimensions)
        {
            throw new InvalidOperationException($"The model lacks a '{OutputNames[0]}' output of {dimensions} values per token.");
        }

        return session.InputMetadata.Keys.ToArray();
    }
}
