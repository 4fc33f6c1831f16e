using Microsoft.Extensions.AI;

namespace DocQa.Llm.LlamaSharp.Tests;

[Collection(TinyModelsCollection.Name)]
public sealed class TokenCountingTests(TinyModelsFixture models)
{
    [Fact]
    public void Text_is_counted_with_the_model_tokenizer_and_no_start_token()
    {
        // "cat" becomes "▁cat"; this vocabulary has no merged pieces, so one token per character.
        Assert.Equal(4, models.Chat.CountTokens("cat"));
        Assert.Equal(0, models.Chat.CountTokens(""));
    }

    [Fact]
    public void Messages_count_the_template_around_the_text_and_grow_with_it()
    {
        const string question = "What is the cat doing?";
        ChatMessage[] shortPrompt = [new(ChatRole.User, question)];
        ChatMessage[] longPrompt = [new(ChatRole.User, question + " And the dog?")];
        ChatMessage[] withSystem = [new(ChatRole.System, "Answer briefly."), new(ChatRole.User, question)];

        var questionTokens = models.Chat.CountTokens(question);
        var promptTokens = models.Chat.CountTokens(shortPrompt);

        Assert.True(promptTokens > questionTokens, $"{promptTokens} <= {questionTokens}");
        Assert.True(models.Chat.CountTokens(longPrompt) > promptTokens);
        Assert.True(models.Chat.CountTokens(withSystem) > promptTokens);
    }

    [Fact]
    public void Template_markers_count_as_the_special_tokens_they_are()
    {
        ChatMessage[] prompt = [new(ChatRole.User, "Q")];
        var layout = models.Chat.Format.Apply(prompt);

        // Read as plain text, each of the three markers is several tokens; in the prompt each is one.
        Assert.True(models.Chat.CountTokens("<|im_start|>") > 1);
        Assert.True(models.Chat.CountTokens(prompt) < models.Chat.CountTokens(layout), layout);
    }

    [Fact]
    public async Task Counted_prompt_tokens_are_the_tokens_the_model_is_fed()
    {
        ChatMessage[] prompt = [new(ChatRole.System, "Cite sources."), new(ChatRole.User, "Where did the cat sit?")];

        var response = await models.Chat.ChatClient.GetResponseAsync(prompt, new ChatOptions { MaxOutputTokens = 5 });

        Assert.Equal(models.Chat.CountTokens(prompt), response.Usage!.InputTokenCount);
    }
}
