using LLama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace DocQa.Llm.LlamaSharp;

/// <summary>
/// Lays a conversation out the way the model was trained to read it: the chat template from the GGUF's own
/// metadata, applied by llama.cpp, or ChatML when the model has none or llama.cpp does not recognise it.
/// Also knows the text that means the model has ended its turn.
/// </summary>
internal sealed class ChatPromptFormat
{
    public const string TemplateKey = "tokenizer.chat_template";

    // llama.cpp's own name for the ChatML layout: <|im_start|>role\ncontent<|im_end|>\n ... <|im_start|>assistant\n
    private const string FallbackTemplate = "chatml";

    // Turn markers of common templates. A model normally emits them as special tokens (which end the answer
    // anyway); these catch a model that spells one out as plain text.
    private static readonly string[] TurnMarkers =
    [
        "<|im_end|>", "<|im_start|>", "<|eot_id|>", "<|start_header_id|>", "<end_of_turn>", "<start_of_turn>",
        "<|end|>", "<|user|>", "<|endoftext|>", "[INST]", "</s>",
    ];

    private readonly string _template;

    private ChatPromptFormat(string template, bool fromModel)
    {
        _template = template;
        FromModel = fromModel;
        var source = fromModel ? template : "<|im_start|><|im_end|>";
        StopStrings = TurnMarkers.Where(m => source.Contains(m, StringComparison.Ordinal)).ToArray();
    }

    /// <summary>True when the layout is the model's own template, false for the ChatML fallback.</summary>
    public bool FromModel { get; }

    /// <summary>Text that ends the answer when the model writes it; not shown.</summary>
    public IReadOnlyList<string> StopStrings { get; }

    public static ChatPromptFormat For(LLamaWeights weights, ILogger logger) =>
        For(weights.Metadata.GetValueOrDefault(TemplateKey), logger);

    /// <param name="template">The model's template (Jinja source) or a llama.cpp template name; null when it has none.</param>
    public static ChatPromptFormat For(string? template, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            logger.LogInformation("The model has no chat template; prompts are laid out as ChatML");
            return new ChatPromptFormat(FallbackTemplate, fromModel: false);
        }

        var format = new ChatPromptFormat(template, fromModel: true);
        try
        {
            // llama.cpp recognises the common templates by their markers and refuses the rest.
            format.Apply([new ChatMessage(ChatRole.System, "s"), new ChatMessage(ChatRole.User, "u")]);
            return format;
        }
        catch (Exception e)
        {
            logger.LogWarning("llama.cpp does not support the model's chat template ({Reason}); prompts are laid out as ChatML", e.Message);
            return new ChatPromptFormat(FallbackTemplate, fromModel: false);
        }
    }

    /// <summary>The prompt text, ending with the opening of the assistant's turn.</summary>
    public string Apply(IEnumerable<ChatMessage> messages)
    {
        // A template object per call: it keeps the messages added to it, so it cannot be shared between requests.
        var template = new LLamaTemplate(_template) { AddAssistant = true };
        foreach (var message in messages)
        {
            template.Add(message.Role.Value, message.Text);
        }

        return LLamaTemplate.Encoding.GetString(template.Apply());
    }
}
