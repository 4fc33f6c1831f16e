using System.Text;
using DocQa.Core.Answering.Generation;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DocQa.Llm.LlamaSharp;

/// <summary>
/// A GGUF model run in-process by llama.cpp. The weights are loaded once and shared; every request gets a
/// context (KV cache) of its own, so requests can run side by side.
/// </summary>
public sealed class LlamaLanguageModel : ILanguageModel, IDisposable
{
    private readonly ModelParams _contextParams;
    private readonly ILogger _logger;
    private int _disposed;

    private LlamaLanguageModel(LLamaWeights weights, ModelParams contextParams, LlmOptions options, string name, ILogger logger)
    {
        Weights = weights;
        _contextParams = contextParams;
        _logger = logger;
        Name = name;
        ContextSize = (int)contextParams.ContextSize!.Value;
        Format = ChatPromptFormat.For(weights, logger);
        ChatClient = new LlamaChatClient(this, options);
    }

    public string Name { get; }

    public int ContextSize { get; }

    public IChatClient ChatClient { get; }

    internal LLamaWeights Weights { get; }

    internal ChatPromptFormat Format { get; }

    internal int BatchSize => (int)_contextParams.BatchSize;

    /// <summary>Loads the model file named by <see cref="LlmOptions.ModelPath"/>; slow, so do it once per process.</summary>
    /// <exception cref="InvalidOperationException">The file is missing, not a GGUF file, or llama.cpp cannot load it.</exception>
    public static LlamaLanguageModel Load(LlmOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        Validate(options);

        var path = Path.GetFullPath(options.ModelPath!);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The model file '{path}' could not be loaded: the file does not exist.");
        }

        // llama.cpp would reject it too, but only with a message in its log.
        if (!HasGgufMagic(path, out var readError))
        {
            throw new InvalidOperationException($"The model file '{path}' could not be loaded: {readError ?? "it is not a GGUF file."}");
        }

        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var parameters = new ModelParams(path)
        {
            Threads = threads,
            BatchThreads = threads,
            Encoding = Encoding.UTF8,
        };

        LLamaWeights weights;
        try
        {
            // The first use of llama.cpp loads the native library, which can fail as well (an unsupported CPU).
            LlamaNativeLog.Attach(logger);
            LlamaNativeLog.ClearError();
            weights = LLamaWeights.LoadFromFile(parameters);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"The model file '{path}' could not be loaded: {LlamaNativeLog.FirstError ?? e.GetBaseException().Message}", e);
        }

        try
        {
            // Beyond the trained context the model's output degrades, and the KV cache would be allocated for nothing.
            var contextSize = weights.ContextSize > 0 ? Math.Min(options.ContextSize, weights.ContextSize) : options.ContextSize;
            var batchSize = (uint)Math.Min(options.BatchSize, contextSize);
            parameters.ContextSize = (uint)contextSize;
            parameters.BatchSize = batchSize;
            parameters.UBatchSize = batchSize;

            var name = weights.Metadata.TryGetValue("general.name", out var n) && !string.IsNullOrWhiteSpace(n)
                ? n.Trim()
                : Path.GetFileName(path);
            var model = new LlamaLanguageModel(weights, parameters, options, name, logger);
            logger.LogInformation(
                "Loaded {Model} from {Path}: context {ContextSize} tokens (trained {TrainedContext}), {Threads} threads, {Template}",
                name, path, contextSize, weights.ContextSize, threads,
                model.Format.FromModel ? "the model's chat template" : "ChatML prompts");
            return model;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    public int CountTokens(IReadOnlyList<ChatMessage> messages) => TokenizePrompt(messages).Length;

    public int CountTokens(string text) =>
        string.IsNullOrEmpty(text) ? 0 : Weights.Tokenize(text, add_bos: false, special: false, Encoding.UTF8).Length;

    /// <summary>The tokens the model is fed for these messages: template applied, generation prompt included.</summary>
    internal LLamaToken[] TokenizePrompt(IEnumerable<ChatMessage> messages)
    {
        var vocab = Weights.Vocab;
        var tokens = Weights.Tokenize(Format.Apply(messages), add_bos: vocab.ShouldAddBOS, special: true, Encoding.UTF8);

        // Some templates write the beginning-of-sequence marker themselves; the model expects it once.
        return tokens.Length >= 2 && vocab.BOS is { } bos && tokens[0] == bos && tokens[1] == bos ? tokens[1..] : tokens;
    }

    internal LLamaContext CreateContext()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Weights.CreateContext(_contextParams, _logger);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ChatClient.Dispose();
            Weights.Dispose();
        }
    }

    private static void Validate(LlmOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ModelPath))
        {
            throw new InvalidOperationException($"No model file is configured ({LlmOptions.Section}:{nameof(LlmOptions.ModelPath)}).");
        }

        CheckAtLeast(options.ContextSize, 16, nameof(LlmOptions.ContextSize));
        CheckAtLeast(options.MaxAnswerTokens, 1, nameof(LlmOptions.MaxAnswerTokens));
        CheckAtLeast(options.Threads, 0, nameof(LlmOptions.Threads));
        CheckAtLeast(options.MaxConcurrentRequests, 1, nameof(LlmOptions.MaxConcurrentRequests));
        CheckAtLeast(options.MaxQueuedRequests, 0, nameof(LlmOptions.MaxQueuedRequests));
        CheckAtLeast(options.BatchSize, 1, nameof(LlmOptions.BatchSize));
        if (!(options.Temperature >= 0))
        {
            throw new ArgumentException($"{LlmOptions.Section}:{nameof(LlmOptions.Temperature)} must be 0 or more.", nameof(options));
        }

        static void CheckAtLeast(int value, int minimum, string name)
        {
            if (value < minimum)
            {
                throw new ArgumentException($"{LlmOptions.Section}:{name} must be at least {minimum}, not {value}.", nameof(options));
            }
        }
    }

    private static bool HasGgufMagic(string path, out string? readError)
    {
        readError = null;
        Span<byte> magic = stackalloc byte[4];
        try
        {
            using var file = File.OpenRead(path);
            return file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("GGUF"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            readError = e.Message;
            return false;
        }
    }
}
