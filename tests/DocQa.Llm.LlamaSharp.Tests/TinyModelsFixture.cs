using DocQa.Llm.LlamaSharp;

namespace DocQa.Llm.LlamaSharp.Tests;

/// <summary>The test models, written to a temporary folder and loaded once for all tests.</summary>
public sealed class TinyModelsFixture : IDisposable
{
    /// <summary>Loops for ever: " the cat sat café! the cat sat café! ..." (é arrives as two byte tokens).</summary>
    public static readonly string[] LoopingChain = ["▁the", "▁cat", "▁sat", "▁caf", "<0xC3>", "<0xA9>", "!"];

    /// <summary>" Hello world!", then the ChatML end-of-turn token.</summary>
    public static readonly string[] ChatChain = ["▁Hello", "▁world", "!", "<|im_end|>"];

    /// <summary>" ok", then "&lt;|im_end|&gt;" spelt out in three ordinary tokens, then on and on.</summary>
    public static readonly string[] SpelledStopChain = ["▁ok", "<|", "im_end", "|>", "▁more"];

    public const string ChatModelName = "tiny-chat";

    public TinyModelsFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "docqa-llm-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);

        LoopingPath = Path.Combine(Directory, "looping.gguf");
        TinyModel.Write(LoopingPath, LoopingChain, loops: true);
        ChatPath = Path.Combine(Directory, "chat.gguf");
        TinyModel.Write(ChatPath, ChatChain, loops: false, TinyModel.ChatMlTemplate, ChatModelName);
        var spelledStopPath = Path.Combine(Directory, "spelled-stop.gguf");
        TinyModel.Write(spelledStopPath, SpelledStopChain, loops: true);
        var unknownTemplatePath = Path.Combine(Directory, "unknown-template.gguf");
        TinyModel.Write(unknownTemplatePath, LoopingChain, loops: true, "{% for m in messages %}{{ m.content }}{% endfor %}");

        Looping = Load(LoopingPath, maxConcurrentRequests: 2);
        Chat = Load(ChatPath);
        SpelledStop = Load(spelledStopPath);
        UnknownTemplate = Load(unknownTemplatePath);
    }

    public string Directory { get; }

    public string LoopingPath { get; }

    public string ChatPath { get; }

    public LlamaLanguageModel Looping { get; }

    public LlamaLanguageModel Chat { get; }

    public LlamaLanguageModel SpelledStop { get; }

    public LlamaLanguageModel UnknownTemplate { get; }

    public static LlamaLanguageModel Load(string path, int maxConcurrentRequests = 1, int maxAnswerTokens = 512) =>
        LlamaLanguageModel.Load(new LlmOptions
        {
            ModelPath = path,
            Threads = 1,
            MaxConcurrentRequests = maxConcurrentRequests,
            MaxAnswerTokens = maxAnswerTokens,
        });

    public void Dispose()
    {
        Looping.Dispose();
        Chat.Dispose();
        SpelledStop.Dispose();
        UnknownTemplate.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TinyModelsCollection : ICollectionFixture<TinyModelsFixture>
{
    public const string Name = "Tiny llama models";
}
