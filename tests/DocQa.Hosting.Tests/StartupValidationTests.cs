using DocQa.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DocQa.Hosting.Tests;

/// <summary>A nonsense setting in any section stops the host at start, with a message that names the key to fix.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("docqa-startup-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_contentRoot, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task TheDefaults_Start()
    {
        using var host = Build([]);

        await host.StartAsync();
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Retrieval:RrfK", "0")]
    [InlineData("Retrieval:KeywordWeight", "-0.5")]
    [InlineData("Retrieval:NearDuplicateContainment", "1.5")]
    [InlineData("Chunking:TargetTokens", "-5")]
    [InlineData("Chunking:OverlapTokens", "300")]
    [InlineData("Answers:MaxSentences", "0")]
    [InlineData("Evidence:ProbeDepth", "0")]
    [InlineData("Storage:Sqlite:RescoreFactor", "0")]
    [InlineData("Storage:Sqlite:BusyTimeout", "00:00:00")]
    [InlineData("Ingestion:Workers", "0")]
    [InlineData("Embeddings:BatchSize", "-1")]
    [InlineData("Embeddings:Precision", "fp16")]
    [InlineData("Llm:Temperature", "5")]
    public async Task ANonsenseValue_StopsStartUp_NamingItsKey(string key, string value)
    {
        using var host = Build([new(key, value)]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, error.Message);
    }

    [Fact]
    public async Task QdrantSettings_AreCheckedWhenQdrantIsTheStore()
    {
        using var host = Build([new("Storage:Provider", "Qdrant"), new("Storage:Qdrant:Port", "0")]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Storage:Qdrant:Port", error.Message);
    }

    [Fact]
    public async Task TheRetiredEmbeddingBatchSize_IsRefused_NamingTheKeyToUse()
    {
        using var host = Build([new("Ingestion:EmbeddingBatchSize", "64")]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Ingestion:EmbeddingBatchSize", error.Message);
        Assert.Contains("Embeddings:BatchSize", error.Message);
    }

    [Fact]
    public async Task AnUnknownLlmProvider_StopsStartUp_NamingTheChoices()
    {
        using var host = Build([new("Llm:Provider", "Ollama")]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Llm:Provider (Ollama) must be LlamaSharp or OpenAI", error.Message);
    }

    [Theory]
    [InlineData("gpu-box:11434/v1", "qwen2.5:1.5b", "Llm:Endpoint")]
    [InlineData("http://gpu-box:11434/v1", "", "Llm:Model")]
    public async Task ModelServerSettings_AreCheckedWhenOpenAiGenerates(string endpoint, string model, string key)
    {
        using var host = Build([new("Llm:Provider", "OpenAI"), new("Llm:Endpoint", endpoint), new("Llm:Model", model)]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, error.Message);
    }

    [Theory]
    [InlineData("Bad Name", "shared", "Sources:Folders:0:Index")]
    [InlineData("docs", "no-such-folder", "Sources:Folders:0:Path")]
    public async Task AFolderSourceThatCannotBeSynced_StopsStartUp_NamingItsKey(string index, string path, string key)
    {
        Directory.CreateDirectory(Path.Combine(_contentRoot, "shared"));
        using var host = Build([new("Sources:Folders:0:Index", index), new("Sources:Folders:0:Path", path)]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, error.Message);
    }

    [Fact]
    public async Task TwoFolderSourcesOneInsideTheOther_ForOneIndex_StopStartUp()
    {
        Directory.CreateDirectory(Path.Combine(_contentRoot, "shared", "team"));
        using var host = Build([
            new("Sources:Folders:0:Index", "docs"), new("Sources:Folders:0:Path", "shared"),
            new("Sources:Folders:1:Index", "docs"), new("Sources:Folders:1:Path", "shared/team"),
        ]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        // Relative paths are shown as resolved from the content root.
        Assert.Contains($"Sources:Folders:1:Path ({Path.Combine(_contentRoot, "shared", "team")}) overlaps", error.Message);
    }

    private IHost Build(KeyValuePair<string, string?>[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = _contentRoot });
        builder.Configuration.AddInMemoryCollection([new("Storage:DataDirectory", _contentRoot), .. settings]);
        builder.Services.AddDocQa(builder.Configuration, _contentRoot);
        return builder.Build();
    }
}
