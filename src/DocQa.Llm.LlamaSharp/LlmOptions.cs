namespace DocQa.Llm.LlamaSharp;

/// <summary>How the local language model is loaded and run; bound from the "Llm" configuration section.</summary>
public sealed record LlmOptions
{
    public const string Section = "Llm";

    /// <summary>The GGUF file: weights, tokenizer and (usually) the chat template the model was trained with.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Tokens of prompt plus answer per request; cut to the context the model was trained with.</summary>
    public int ContextSize { get; init; } = 4096;

    /// <summary>Tokens an answer may take when the request does not say.</summary>
    public int MaxAnswerTokens { get; init; } = 512;

    /// <summary>CPU threads per request; 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>0 means greedy decoding: the same prompt always gives the same answer.</summary>
    public float Temperature { get; init; }

    /// <summary>
    /// Requests generating at once; each holds its own context (KV cache) of <see cref="ContextSize"/> tokens.
    /// The chat client never holds more contexts than this; the host's request gate admits as many requests.
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = 1;

    /// <summary>Requests that may wait for a free slot before more are turned away (by the host's request gate).</summary>
    public int MaxQueuedRequests { get; init; } = 8;

    /// <summary>Prompt tokens evaluated in one step; cancellation is noticed between steps.</summary>
    public int BatchSize { get; init; } = 512;
}
