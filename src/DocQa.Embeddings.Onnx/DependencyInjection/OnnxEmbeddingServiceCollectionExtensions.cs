using DocQa.Core.Chunking;
using DocQa.Core.Configuration;
using DocQa.Core.Retrieval;
using DocQa.Embeddings.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class OnnxEmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the configured embedding model (<see cref="EmbeddingOptions.Section"/>), loaded once per process, with
    /// its tokenizer as the token counter, and the older models a search still needs after a model change.
    /// </summary>
    /// <param name="cacheDirectory">Where the int8 form of a model is kept between starts; none: made at each start.</param>
    public static IServiceCollection AddOnnxEmbeddings(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, string>? cacheDirectory = null)
    {
        services.AddConfiguredOptions<EmbeddingOptions>(configuration, EmbeddingOptions.Section);
        services.AddSingleton(sp => new WordPieceTokenizer(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.ResolveModel()));
        services.AddSingleton<ITokenCounter>(sp => sp.GetRequiredService<WordPieceTokenizer>());
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => new OnnxEmbeddingGenerator(
            sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.ToGeneratorOptions(cacheDirectory?.Invoke(sp)),
            sp.GetRequiredService<WordPieceTokenizer>()));
        // After a model change, the older model embeds questions for the documents not yet re-embedded: one session
        // that runs one question at a time on all the cores it may use.
        services.AddSingleton(sp => new EmbeddingSpaces(
            sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            name => EmbeddingModel.Find(name) is { } model
                ? new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions
                {
                    Model = model,
                    Precision = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.ResolvePrecision(),
                    CacheDirectory = cacheDirectory?.Invoke(sp),
                    IntraOpThreads = OnnxEmbeddingOptions.DefaultQueryThreads,
                    MaxConcurrentBatches = 1,
                    QueryThreads = 0,
                })
                : null));
        return services;
    }
}
