using DocQa.Llm.LlamaSharp;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace DocQa.Llm.LlamaSharp.Tests;

[Collection(TinyModelsCollection.Name)]
public sealed class ModelLoadingTests(TinyModelsFixture models)
{
    [Fact]
    public void Name_comes_from_the_metadata_and_the_context_is_cut_to_the_trained_one()
    {
        // The options ask for the default 4096 tokens; the model was trained on 256.
        Assert.Equal(TinyModelsFixture.ChatModelName, models.Chat.Name);
        Assert.Equal(TinyModel.ContextLength, models.Chat.ContextSize);
        Assert.Equal(TinyModelsFixture.ChatModelName, models.Chat.ChatClient.GetService<ChatClientMetadata>()?.DefaultModelId);
    }

    [Fact]
    public void Name_is_the_file_name_when_the_metadata_has_none()
    {
        Assert.Equal("looping.gguf", models.Looping.Name);
    }

    [Fact]
    public async Task A_smaller_configured_context_is_kept_and_bounds_prompt_plus_answer()
    {
        using var model = LlamaLanguageModel.Load(new LlmOptions { ModelPath = models.LoopingPath, ContextSize = 96, Threads = 1 });

        var response = await model.ChatClient.GetResponseAsync(
            [new ChatMessage(ChatRole.User, "What is the cat doing?")], new ChatOptions { MaxOutputTokens = 1000 });

        Assert.Equal(96, model.ContextSize);
        Assert.Equal(96, response.Usage!.InputTokenCount + response.Usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public void A_missing_file_is_reported_by_name()
    {
        var path = Path.Combine(models.Directory, "absent.gguf");

        var error = Assert.Throws<InvalidOperationException>(() => LlamaLanguageModel.Load(new LlmOptions { ModelPath = path }));

        Assert.Equal($"The model file '{path}' could not be loaded: the file does not exist.", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_gguf_is_refused()
    {
        var path = Path.Combine(models.Directory, "notes.gguf");
        File.WriteAllText(path, "These are not model weights.");

        var error = Assert.Throws<InvalidOperationException>(() => LlamaLanguageModel.Load(new LlmOptions { ModelPath = path }));

        Assert.Equal($"The model file '{path}' could not be loaded: it is not a GGUF file.", error.Message);
    }

    [Fact]
    public void A_damaged_gguf_file_is_refused_with_llama_cpp_reason()
    {
        var path = Path.Combine(models.Directory, "cut-short.gguf");
        var bytes = File.ReadAllBytes(models.LoopingPath);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);

        var error = Assert.Throws<InvalidOperationException>(() => LlamaLanguageModel.Load(new LlmOptions { ModelPath = path }));

        Assert.StartsWith($"The model file '{path}' could not be loaded: ", error.Message);
        Assert.Contains("output.weight", error.Message);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void Loading_without_a_model_path_says_which_setting_is_missing()
    {
        var error = Assert.Throws<InvalidOperationException>(() => LlamaLanguageModel.Load(new LlmOptions()));

        Assert.Contains("Llm:ModelPath", error.Message);
    }

    [Fact]
    public void Llama_cpp_log_goes_to_the_logger_at_debug_level()
    {
        var logger = new ListLogger();

        using var model = LlamaLanguageModel.Load(new LlmOptions { ModelPath = models.LoopingPath, Threads = 1 }, logger);

        var native = logger.Entries.Where(e => e.Message.StartsWith("llama.cpp: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(native, e => e.Message.Contains("llama_model_loader", StringComparison.Ordinal));
        Assert.All(native, e => Assert.Equal(LogLevel.Debug, e.Level));
    }
}
