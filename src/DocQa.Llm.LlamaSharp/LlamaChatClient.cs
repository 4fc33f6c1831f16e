using System.Runtime.CompilerServices;
using System.Text;
using LLama;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;

namespace DocQa.Llm.LlamaSharp;

/// <summary>
/// Chat over a <see cref="LlamaLanguageModel"/>. Each request lays the messages out with the model's chat
/// template, evaluates them in a context of its own (disposed when the request ends) and decodes one token
/// at a time until the model ends its turn, a stop string (the template's or the request's
/// <see cref="ChatOptions.StopSequences"/>) appears, or the token limit is reached.
/// LLamaSharp's own adapter (AsChatClient over an executor) is not used: it shares one executor between
/// requests, ignores the model's template and reports no token usage.
/// </summary>
internal sealed class LlamaChatClient : IChatClient
{
    private readonly LlamaLanguageModel _model;
    private readonly LlmOptions _options;
    private readonly ChatClientMetadata _metadata;

    // Each context holds a KV cache for the whole window: bound how many exist at once.
    private readonly SemaphoreSlim _contexts;

    public LlamaChatClient(LlamaLanguageModel model, LlmOptions options)
    {
        _model = model;
        _options = options;
        _metadata = new ChatClientMetadata("llama.cpp", null, model.Name);
        _contexts = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
    }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        UsageDetails? usage = null;
        ChatFinishReason? finishReason = null;
        string? responseId = null;
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            text.Append(update.Text);
            usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
            finishReason = update.FinishReason ?? finishReason;
            responseId ??= update.ResponseId;
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()) { MessageId = responseId })
        {
            ResponseId = responseId,
            ModelId = _model.Name,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = finishReason,
            Usage = usage,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = _model.TokenizePrompt(messages);
        if (prompt.Length == 0)
        {
            throw new ArgumentException("The messages make an empty prompt.", nameof(messages));
        }

        var room = _model.ContextSize - prompt.Length;
        if (room < 1)
        {
            throw new ArgumentException(
                $"The prompt takes {prompt.Length} tokens, which leaves no room for an answer in the model's {_model.ContextSize}-token window.",
                nameof(messages));
        }

        var requested = options?.MaxOutputTokens ?? _options.MaxAnswerTokens;
        if (requested < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxOutputTokens must be at least 1, not {requested}.");
        }

        var maxTokens = Math.Min(requested, room);
        var responseId = Guid.NewGuid().ToString("N");

        await _contexts.WaitAsync(cancellationToken);
        try
        {
            using var context = _model.CreateContext();
            using var sampler = CreateSampler(options);
            var vocab = _model.Weights.Vocab;
            var batch = new LLamaBatch();

            // The prompt goes in batch-sized steps so that cancellation is noticed between them.
            for (var start = 0; start < prompt.Length; start += _model.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(_model.BatchSize, prompt.Length - start);
                batch.Clear();
                batch.AddRange(prompt.AsSpan(start, count), start, LLamaSeqId.Zero, start + count == prompt.Length);
                await DecodeAsync(context, batch);
            }

            // Invalid UTF-8 is held back until the bytes that complete a character arrive.
            var decoder = new StreamingTokenDecoder(Encoding.UTF8, _model.Weights) { DecodeSpecialTokens = false };
            var stops = new StopStringFilter([.. _model.Format.StopStrings, .. options?.StopSequences ?? []]);
            var generated = 0;
            var finishReason = ChatFinishReason.Length;
            while (generated < maxTokens)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var token = sampler.Sample(context.NativeHandle, batch.TokenCount - 1);

                // A special token (end of turn, start of another turn) never belongs in the answer text.
                if (token.IsEndOfGeneration(vocab) || token.IsControl(vocab))
                {
                    finishReason = ChatFinishReason.Stop;
                    break;
                }

                generated++;
                decoder.Add(token);
                var text = stops.Push(decoder.Read());
                if (text.Length > 0)
                {
                    yield return TextUpdate(text, responseId);
                }

                if (stops.Stopped)
                {
                    finishReason = ChatFinishReason.Stop;
                    break;
                }

                if (generated < maxTokens)
                {
                    batch.Clear();
                    batch.Add(token, prompt.Length + generated - 1, LLamaSeqId.Zero, true);
                    await DecodeAsync(context, batch);
                }
            }

            var rest = stops.Flush();
            if (rest.Length > 0)
            {
                yield return TextUpdate(rest, responseId);
            }

            var usage = new UsageDetails
            {
                InputTokenCount = prompt.Length,
                OutputTokenCount = generated,
                TotalTokenCount = prompt.Length + generated,
            };
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)])
            {
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = _model.Name,
                CreatedAt = DateTimeOffset.UtcNow,
                FinishReason = finishReason,
            };
        }
        finally
        {
            _contexts.Release();
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The contexts belong to the requests and the weights to the model: nothing of its own to release.
    }

    private ChatResponseUpdate TextUpdate(string text, string responseId) => new(ChatRole.Assistant, text)
    {
        ResponseId = responseId,
        MessageId = responseId,
        ModelId = _model.Name,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private BaseSamplingPipeline CreateSampler(ChatOptions? options)
    {
        var temperature = options?.Temperature ?? _options.Temperature;
        if (temperature <= 0)
        {
            return new GreedySamplingPipeline();
        }

        return new DefaultSamplingPipeline
        {
            Temperature = temperature,
            TopP = options?.TopP ?? 0.9f,
            TopK = options?.TopK ?? 40,
            Seed = options?.Seed is { } seed ? unchecked((uint)seed) : (uint)Random.Shared.Next(),
        };
    }

    // Evaluation is CPU-bound native work: keep it off the caller's thread. It always runs to the end,
    // so the context is never disposed under it; cancellation is checked between steps instead.
    private static async Task DecodeAsync(LLamaContext context, LLamaBatch batch)
    {
        var result = await Task.Run(() => context.Decode(batch));
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama.cpp could not evaluate the tokens: {result}.");
        }
    }
}
