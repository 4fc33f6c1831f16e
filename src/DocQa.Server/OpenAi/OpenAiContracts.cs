using System.Text.Json;
using System.Text.Json.Serialization;
using DocQa.Contracts;

namespace DocQa.Server.OpenAi;

// The OpenAI chat completions wire format (snake_case, as OpenAI clients send and read it), with DocQa's citations
// beside it in a top-level "citations" array that OpenAI clients ignore and DocQa clients read.

public sealed record ChatCompletionRequest(
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("messages")] IReadOnlyList<ChatMessageIn>? Messages,
    [property: JsonPropertyName("stream")] bool? Stream = null,
    [property: JsonPropertyName("stream_options")] StreamOptionsIn? StreamOptions = null);

public sealed record StreamOptionsIn([property: JsonPropertyName("include_usage")] bool? IncludeUsage);

/// <summary>A message; its content is a string or a list of parts, of which the text parts are read.</summary>
public sealed record ChatMessageIn(
    [property: JsonPropertyName("role")] string? Role,
    [property: JsonPropertyName("content")] JsonElement Content)
{
    public string Text => Content.ValueKind switch
    {
        JsonValueKind.String => Content.GetString() ?? "",
        JsonValueKind.Array => string.Join("\n", Content.EnumerateArray()
            .Where(part => part.ValueKind == JsonValueKind.Object
                && part.TryGetProperty("type", out var type) && type.ValueEquals("text")
                && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            .Select(part => part.GetProperty("text").GetString())),
        _ => "",
    };
}

public sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChoice> Choices,
    [property: JsonPropertyName("usage")] ChatUsage Usage,
    [property: JsonPropertyName("citations")] IReadOnlyList<CitationDto> Citations)
{
    [JsonPropertyName("object")]
    public string ObjectType => "chat.completion";

    /// <summary>The question as searched and answered, when a follow-up was made standalone from the conversation.</summary>
    [JsonPropertyName("standalone_question")]
    public string? StandaloneQuestion { get; init; }
}

public sealed record ChatChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] ChatMessageOut Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason);

public sealed record ChatMessageOut(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content);

public sealed record ChatUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens)
{
    [JsonPropertyName("total_tokens")]
    public int TotalTokens => PromptTokens + CompletionTokens;
}

public sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChunkChoice> Choices)
{
    [JsonPropertyName("object")]
    public string ObjectType => "chat.completion.chunk";

    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChatUsage? Usage { get; init; }

    /// <summary>On the first chunk: the sources the answer may cite, as on the non-streamed response.</summary>
    [JsonPropertyName("citations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<CitationDto>? Citations { get; init; }

    [JsonPropertyName("standalone_question")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StandaloneQuestion { get; init; }
}

public sealed record ChatChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] ChatDelta Delta,
    [property: JsonPropertyName("finish_reason")] string? FinishReason);

public sealed record ChatDelta(
    [property: JsonPropertyName("role")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null,
    [property: JsonPropertyName("content")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content = null);

public sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ModelEntry> Data)
{
    [JsonPropertyName("object")]
    public string ObjectType => "list";
}

public sealed record ModelEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy)
{
    [JsonPropertyName("object")]
    public string ObjectType => "model";
}

/// <summary>OpenAI's error shape: {"error": {"message", "type", "param", "code"}}.</summary>
public sealed record OpenAiError([property: JsonPropertyName("error")] OpenAiErrorBody Error);

public sealed record OpenAiErrorBody(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);
