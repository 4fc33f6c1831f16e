using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Answering.Generation;
using DocQa.Core.Chunking;
using DocQa.Core.Extraction;
using DocQa.Core.Configuration;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Core.Understanding;
using DocQa.Embeddings.Onnx;
using DocQa.Hosting.Backup;
using DocQa.Llm.LlamaSharp;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocQa.Hosting;

public static class DocQaServiceCollectionExtensions
{
    /// <summary>The key of the former second embedding batch size, refused so that a setting is not silently ignored.</summary>
    private const string RetiredEmbeddingBatchSize = IngestionOptions.Section + ":EmbeddingBatchSize";

    /// <summary>
    /// Registers DocQa's services — store, embedding model, extraction, chunking, retrieval, answering and ingestion —
    /// with the backends that configuration chooses. Relative paths in configuration are taken from <paramref name="contentRoot"/>.
    /// </summary>
    public static IServiceCollection AddDocQa(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddConfiguredOptions<StorageOptions>(configuration, StorageOptions.Section);
        services.AddConfiguredOptions<IngestionOptions>(configuration, IngestionOptions.Section)
            .Validate(_ => configuration[RetiredEmbeddingBatchSize] is null,
                $"{RetiredEmbeddingBatchSize} is no longer read; set {EmbeddingOptions.Section}:BatchSize (texts per model run) instead.");
        services.AddConfiguredOptions<QueryLimits>(configuration, QueryLimits.Section);
        services.AddConfiguredOptions<RetrievalOptions>(configuration, RetrievalOptions.Section);
        services.AddConfiguredOptions<ChunkingOptions>(configuration, ChunkingOptions.Section);
        services.AddConfiguredOptions<EvidenceOptions>(configuration, EvidenceOptions.Section);
        services.AddConfiguredOptions<ExtractiveAnswerOptions>(configuration, ExtractiveAnswerOptions.Section);
        services.AddConfiguredOptions<SourcesOptions>(configuration, SourcesOptions.Section)
            .PostConfigure(sources => sources.ResolvePaths(contentRoot));
        services.AddConfiguredOptions<OcrOptions>(configuration, OcrOptions.Section);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => DataPaths.Resolve(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDirectory, contentRoot));

        // Storage: the embedded SQLite store is the default backend; Qdrant when Storage:Provider says so.
        if (configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.IsQdrant == true)
            services.AddQdrantDocumentStore(configuration);
        else
            services.AddSqliteDocumentStore(configuration, sp => sp.GetRequiredService<DataPaths>().Database);
        services.AddHostedService<StorageStartupCheck>();
        services.AddSingleton<IFileStore>(sp => new DirectoryFileStore(sp.GetRequiredService<DataPaths>().Files));
        services.AddSingleton<StoreBackupService>();

        services.AddOnnxEmbeddings(configuration, sp => sp.GetRequiredService<DataPaths>().Models);
        services.AddSingleton<Reembedder>();

        services.AddDocumentExtraction();
        services.AddSingleton(sp => new Chunker(sp.GetRequiredService<ITokenCounter>(), sp.GetRequiredService<IOptions<ChunkingOptions>>().Value));
        services.AddSingleton<Retriever>();
        services.AddSingleton<DocumentSubjects>();
        services.AddSingleton(sp => new EvidenceCheck(sp.GetRequiredService<ISearchIndex>(), sp.GetRequiredService<DocumentSubjects>(),
            sp.GetRequiredService<IOptions<EvidenceOptions>>().Value));
        AddAnswering(services, configuration, contentRoot);
        services.AddSingleton<AskService>();

        services.AddSingleton<IngestionSignal>();
        services.AddSingleton<ModelReadiness>();
        services.AddSingleton<DocumentWriteLock>();
        services.AddSingleton(sp => new DocumentLibrary(
            sp.GetRequiredService<IDocumentRecords>(),
            sp.GetRequiredService<IIngestionQueue>(),
            sp.GetRequiredService<IFileStore>(),
            sp.GetRequiredService<IDocumentExtractor>(),
            sp.GetRequiredService<IngestionSignal>(),
            sp.GetRequiredService<DocumentWriteLock>(),
            sp.GetRequiredService<IOptions<IngestionOptions>>(),
            sp.GetRequiredService<TimeProvider>())
        {
            SpoolDirectory = sp.GetRequiredService<DataPaths>().Spool,
            // The configured model's name, not the generator: listing documents should not load the model.
            EmbeddingModel = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.ResolveModel().Name,
        });
        services.AddSingleton<DocumentPreparation>();
        services.AddSingleton<DocumentProcessor>();
        services.AddSingleton<IngestionRunner>();
        services.AddSingleton<SampleSeeder>(sp => new SampleSeeder(
            sp.GetRequiredService<DocumentLibrary>(),
            sp.GetRequiredService<IOptions<IngestionOptions>>(),
            contentRoot,
            sp.GetRequiredService<ILogger<SampleSeeder>>()));
        return services;
    }

    /// <summary>
    /// Answers come from a language model — the local one Llm:ModelPath names, or the one on the model server that
    /// Llm:Provider=OpenAI and Llm:Endpoint name — and are extracted from the passages when there is none. The local
    /// model is loaded and the model server probed at start-up, so a bad setting stops the server with a clear message.
    /// </summary>
    private static void AddAnswering(IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddLlmOptions(configuration);
        services.AddSingleton(sp =>
        {
            var llm = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
            return new GenerationOptions { MaxAnswerTokens = llm.MaxAnswerTokens, Temperature = llm.Temperature };
        });
        services.AddSingleton(sp => new ExtractiveAnswerer(
            sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetRequiredService<IOptions<ExtractiveAnswerOptions>>().Value));

        var llm = configuration.GetSection(LlmOptions.Section).Get<LlmOptions>() ?? new LlmOptions();
        if (llm.IsOpenAi)
        {
            services.AddOpenAiLanguageModel(configuration);
            services.AddHostedService<ModelServerStartupCheck>();
        }
        else if (!string.IsNullOrWhiteSpace(llm.ModelPath))
            services.AddLlamaSharpLanguageModel(configuration, contentRoot);
        else
        {
            services.AddSingleton<IQuestionRewriter, CarryOverQuestionRewriter>();
            services.AddSingleton<IAnswerGenerator>(sp => sp.GetRequiredService<ExtractiveAnswerer>());
            return;
        }

        services.AddSingleton(sp =>
        {
            var llm = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
            return new GenerationGate(llm.MaxConcurrentRequests, llm.MaxQueuedRequests);
        });
        services.AddSingleton<GeneratedAnswerer>();
        // An unavailable model gives a 503, or an extractive answer when Llm:FallbackToExtractive says so.
        services.AddSingleton<IAnswerGenerator>(sp => new FallbackAnswerer(
            sp.GetRequiredService<GeneratedAnswerer>(),
            sp.GetRequiredService<IOptions<LlmOptions>>().Value.FallbackToExtractive ? sp.GetRequiredService<ExtractiveAnswerer>() : null,
            sp.GetRequiredService<ILogger<FallbackAnswerer>>()));
        services.AddSingleton<IQuestionRewriter, ModelQuestionRewriter>();
    }

    /// <summary>
    /// Adds the background ingestion worker and the syncs of the folders Sources:Folders names (the server runs them;
    /// the CLI drains the queue itself).
    /// </summary>
    public static IServiceCollection AddDocQaIngestionWorker(this IServiceCollection services) =>
        services.AddHostedService<LanguageModelLoader>().AddHostedService<IngestionWorker>().AddHostedService<FolderSources>();
}
