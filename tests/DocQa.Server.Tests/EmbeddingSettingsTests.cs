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

    [Fact]
    public void Embeddings_Model_chooses_the_model_and_an_unknown_one_is_refused_with_the_choices()
    {
        Assert.Same(EmbeddingModel.ArcticXs, GeneratorWith(("Embeddings:Model", "arctic-embed-xs")).Model);
        Assert.Same(EmbeddingModel.MiniLm, GeneratorWith(("Embeddings:Model", "all-minilm-l6-v2")).Model);

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => GeneratorWith(("Embeddings:Model", "ada-002")));
        Assert.Contains("Embeddings:Model 'ada-002' is not a known model; use one of all-minilm-l6-v2, arctic-embed-xs", error.Message);
    }

    [Fact]
    public void Embeddings_Precision_is_int8_unless_set_to_float32_and_an_unknown_one_is_refused_naming_the_key()
    {
        Assert.Equal(EmbeddingPrecision.Int8, GeneratorWith().Options.Precision);
        Assert.Equal(EmbeddingPrecision.Float32, GeneratorWith(("Embeddings:Precision", "float32")).Options.Precision);
        Assert.Equal(EmbeddingPrecision.Int8, GeneratorWith(("Embeddings:Precision", "INT8")).Options.Precision);

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => GeneratorWith(("Embeddings:Precision", "fp16")));
        Assert.Contains("Embeddings:Precision 'fp16' is not a known precision; use int8 or float32", error.Message);
    }

    private static int QueryThreadsWith(params (string Key, string Value)[] settings) => GeneratorWith(settings).Options.QueryThreads;

    private static OnnxEmbeddingGenerator GeneratorWith(params (string Key, string Value)[] settings)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("docqa-embedding-settings-").FullName;
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection([new("Storage:DataDirectory", dataDirectory), .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))])
                .Build();
            using var services = new ServiceCollection().AddLogging().AddDocQa(configuration, Path.GetTempPath()).BuildServiceProvider();
            return (OnnxEmbeddingGenerator)services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
