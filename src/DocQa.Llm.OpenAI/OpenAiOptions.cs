using System.ComponentModel.DataAnnotations;

namespace DocQa.Llm.OpenAI;

/// <summary>The model server that generates answers when Llm:Provider is OpenAI; bound from the "Llm" configuration section.</summary>
public sealed record OpenAiOptions : IValidatableObject
{
    public const string Section = "Llm";

    /// <summary>The server's OpenAI-compatible base URL, such as http://gpu-box:11434/v1 (chat/completions and models lie under it).</summary>
    public string? Endpoint { get; init; }

    /// <summary>The model the server should run, as the server names it (qwen2.5:1.5b on Ollama).</summary>
    public string? Model { get; init; }

    /// <summary>Sent as the bearer token; most self-hosted servers need none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>How long one call to the server may take, streamed answers included.</summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; init; } = 120;

    /// <summary>Retries of a call that failed for a reason worth retrying (connection, 429, 5xx), with back-off.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; init; } = 2;

    /// <summary>The window of the server's model: the prompt is fitted to it, less the tokens kept for the answer.</summary>
    [Range(16, 1_048_576)]
    public int ContextSize { get; init; } = 4096;

    public Uri EndpointUri => new(Endpoint!.TrimEnd('/') + "/");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            yield return new ValidationResult(
                $"{Section}:Endpoint ({Endpoint}) must be the model server's absolute http(s) URL, such as http://localhost:11434/v1.", [nameof(Endpoint)]);
        if (string.IsNullOrWhiteSpace(Model))
            yield return new ValidationResult($"{Section}:Model must name the model the server runs, such as qwen2.5:1.5b.", [nameof(Model)]);
    }
}
