using DocQa.Llm.LlamaSharp;

namespace DocQa.Llm.OpenAI.Tests;

/// <summary>
/// A model server on a loopback port generating with a tiny chat model through llama.cpp: whatever the prompt,
/// greedy decoding says " Hello world!" and ends the turn.
/// </summary>
public sealed class ModelServerFixture : IAsyncLifetime
{
    public const string ModelName = "tiny-chat";

    private readonly string directory = Path.Combine(Path.GetTempPath(), "docqa-openai-tests-" + Guid.NewGuid().ToString("N"));
    private LlamaLanguageModel? model;

    public OpenAiCompatibleServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "chat.gguf");
        TinyModel.Write(path, ["▁Hello", "▁world", "!", "<|im_end|>"], loops: false, TinyModel.ChatMlTemplate, ModelName);
        model = LlamaLanguageModel.Load(new LlmOptions { ModelPath = path, Threads = 1, MaxConcurrentRequests = 2 });
        Server = await OpenAiCompatibleServer.StartAsync(model.ChatClient, ModelName);
    }

    public OpenAiOptions Options(string? endpoint = null) => new()
    {
        Endpoint = endpoint ?? Server.Endpoint,
        Model = ModelName,
        MaxRetries = 0,
        TimeoutSeconds = 30,
        ContextSize = TinyModel.ContextLength,
    };

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        model?.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
