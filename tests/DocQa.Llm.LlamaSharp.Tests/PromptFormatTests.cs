using DocQa.Llm.LlamaSharp;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace DocQa.Llm.LlamaSharp.Tests;

[Collection(TinyModelsCollection.Name)]
public sealed class PromptFormatTests(TinyModelsFixture models)
{
    private const string GemmaTemplate =
        "{% for message in messages %}{{ '<start_of_turn>' + message['role'] + '\n' + message['content'] + '<end_of_turn>\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}";

    private static readonly ChatMessage[] Question = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Why?")];

    [Fact]
    public void The_template_in_the_model_file_lays_out_the_prompt()
    {
        Assert.True(models.Chat.Format.FromModel);
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n",
            models.Chat.Format.Apply(Question));
    }

    [Fact]
    public void Another_recognised_template_gives_its_own_layout_and_stop_strings()
    {
        var format = ChatPromptFormat.For(GemmaTemplate, NullLogger.Instance);

        Assert.True(format.FromModel);
        Assert.StartsWith("<start_of_turn>user\n", format.Apply(Question));
        Assert.EndsWith("Why?<end_of_turn>\n<start_of_turn>model\n", format.Apply(Question));
        Assert.Equal(["<end_of_turn>", "<start_of_turn>"], format.StopStrings);
    }

    [Fact]
    public void A_model_without_template_gets_chatml()
    {
        Assert.False(models.Looping.Format.FromModel);
        Assert.Equal(models.Chat.Format.Apply(Question), models.Looping.Format.Apply(Question));
        Assert.Equal(["<|im_end|>", "<|im_start|>"], models.Looping.Format.StopStrings);
    }

    [Fact]
    public void A_template_llama_cpp_does_not_recognise_falls_back_to_chatml()
    {
        Assert.False(models.UnknownTemplate.Format.FromModel);
        Assert.Equal(models.Looping.CountTokens(Question), models.UnknownTemplate.CountTokens(Question));
    }
}
