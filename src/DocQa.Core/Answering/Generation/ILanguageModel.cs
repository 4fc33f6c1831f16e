using Microsoft.Extensions.AI;

namespace DocQa.Core.Answering.Generation;

/// <summary>
/// A local language model loaded once per process: its chat client, its own tokenizer and its window. The
/// grounded answerer fits the prompt to <see cref="ContextSize"/> by counting with <see cref="CountTokens(IReadOnlyList{ChatMessage})"/>.
/// </summary>
public interface ILanguageModel
{
    /// <summary>What the model is called in answers and in /health (the GGUF's general.name, else its file name).</summary>
    string Name { get; }

    /// <summary>Tokens of prompt plus answer that one request may use.</summary>
    int ContextSize { get; }

    /// <summary>Generates answers; each request gets its own context. Honours ChatOptions.MaxOutputTokens and Temperature.</summary>
    IChatClient ChatClient { get; }

    /// <summary>Tokens the messages take once laid out with the model's chat template, generation prompt included.</summary>
    int CountTokens(IReadOnlyList<ChatMessage> messages);

    /// <summary>Tokens of a piece of text alone, with the model's own tokenizer.</summary>
    int CountTokens(string text);
}
