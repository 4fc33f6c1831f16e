using System.ComponentModel.DataAnnotations;

namespace DocQa.Llm.LlamaSharp;

/// <summary>How the local language model is loaded and run; bound from the "Llm" configuration section.</summary>
public sealed record LlmOptions : IValidatableObject
{
    public const string Section = "Llm";

    /// <summary>Generates in this process from <see cref="ModelPath"/>.</summary>
    public const string LlamaSharpProvider = "LlamaSharp";

    /// <summary>Generates on an OpenAI-compatible model server (Ollama, vLLM, llama-server) at Llm:Endpoint.</summary>
    public const string OpenAiProvider = "OpenAI";

    /// <summary>Where answers are generated: <see cref="LlamaSharpProvider"/> (the default) or <see cref="OpenAiProvider"/>.</summary>
    public string Provider { get; init; } = LlamaSharpProvider;

    public bool IsOpenAi => string.Equals(Provider, OpenAiProvider, StringComparison.OrdinalIgnoreCase);

    /// <summary>When the model cannot be reached before an answer starts, answer extractively instead of refusing with 503.</summary>
    public bool FallbackToExtractive { get; init; }

    /// <summary>The GGUF file: weights, tokenizer and (usually) the chat template the model was trained with.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Tokens of prompt plus answer per request; cut to the context the model was trained with.</summary>
    [Range(16, 1_048_576)]
    public int ContextSize { get; init; } = 4096;

    /// <summary>Tokens an answer may take when the request does not say.</summary>
    [Range(1, 1_048_576)]
    public int MaxAnswerTokens { get; init; } = 512;

    /// <summary>CPU threads per request; 0 means one per core.</summary>
    [Range(0, 1024)]
    public int Threads { get; init; }

    /// <summary>0 means greedy decoding: the same prompt always gives the same answer.</summary>
    [Range(0.0, 2.0)]
    public float Temperature { get; init; }

    /// <summary>
    /// Requests generating at once; each holds its own context (KV cache) of <see cref="ContextSize"/> tokens.
    /// The chat client never holds more contexts than this; the host's request gate admits as many requests.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentRequests { get; init; } = 1;

    /// <summary>Requests that may wait for a free slot before more are turned away (by the host's request gate).</summary>
    [Range(0, 100_000)]
    public int MaxQueuedRequests { get; init; } = 8;

    /// <summary>Prompt tokens evaluated in one step; cancellation is noticed between steps.</summary>
    [Range(1, 1_048_576)]
    public int BatchSize { get; init; } = 512;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsOpenAi && !string.Equals(Provider, LlamaSharpProvider, StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"{Section}:Provider ({Provider}) must be {LlamaSharpProvider} or {OpenAiProvider}.", [nameof(Provider)]);
    }
}
