using DocQa.Embeddings.Onnx;
using DocQa.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DocQa.Server.Tests;

/// <summary>The Embeddings section of the configuration reaches the model's options.</summary>
public sealed class EmbeddingSettingsTests
{
    [Fact]
    public void By_default_questions_get_a_session_with_a_thread_per_core()
    {
        Assert.Equal(Math.Min(Environment.ProcessorCount, 4), OnnxEmbeddingOptions.DefaultQueryThreads);
        Assert.Equal(OnnxEmbeddingOptions.DefaultQueryThreads, QueryThreadsWith());
    }

    [Fact]
    public void The_question_session_takes_its_threads_from_configuration_or_is_left_out()
    {
        Assert.Equal(3, QueryThreadsWith(("Embeddings:QueryThreads", "3")));
        Assert.Equal(0, QueryThreadsWith(("Embeddings:QueryThreads", "3"), ("Embeddings:SeparateQuerySession", "false")));
    }

    private static int QueryThreadsWith(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        using var services = new ServiceCollection().AddLogging().AddDocQa(configuration, Path.GetTempPath()).BuildServiceProvider();
        var generator = (OnnxEmbeddingGenerator)services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        return generator.Options.QueryThreads;
    }
}
