using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Answering.Generation;
using DocQa.Core.Chunking;
using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Core.Understanding;
using DocQa.Embeddings.Onnx;
using DocQa.Extraction;
using DocQa.Extraction.Isolation;
using DocQa.Llm.LlamaSharp;
using DocQa.Storage.Qdrant;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocQa.Hosting;

public static class DocQaServiceCollectionExtensions
{
    /// <summary>
    /// Registers DocQa's services — store, embedding model, extraction, chunking, retrieval, answering and ingestion —
    /// with the backends that configuration chooses. Relative paths in configuration are taken from <paramref name="contentRoot"/>.
    /// </summary>
    public static IServiceCollection AddDocQa(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmbeddingOptions>().Bind(configuration.GetSection(EmbeddingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IngestionOptions>().Bind(configuration.GetSection(IngestionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueryLimits>().Bind(configuration.GetSection(QueryLimits.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetrievalOptions>().Bind(configuration.GetSection("Retrieval"));
        services.AddOptions<ChunkingOptions>().Bind(configuration.GetSection("Chunking"));
        services.AddOptions<EvidenceOptions>().Bind(configuration.GetSection("Evidence"));
        services.AddOptions<ExtractiveAnswerOptions>().Bind(configuration.GetSection("Answers"));

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => DataPaths.Resolve(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDirectory, contentRoot));

        // Storage: the embedded SQLite store is the default backend; Qdrant when Storage:Provider says so.
        // Tuning of the embedded store (BM25 weights, memory map, vector precision) under Storage:Sqlite.
        services.AddOptions<SqliteDocumentStoreOptions>().Bind(configuration.GetSection("Storage:Sqlite"));
        services.AddOptions<QdrantStoreOptions>().Bind(configuration.GetSection(QdrantStoreOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.IsQdrant
            ? new QdrantDocumentStore(sp.GetRequiredService<IOptions<QdrantStoreOptions>>().Value, sp.GetRequiredService<ILogger<QdrantDocumentStore>>(), sp.GetRequiredService<TimeProvider>())
            : new SqliteDocumentStore(
                sp.GetRequiredService<DataPaths>().Database,
                sp.GetRequiredService<IOptions<SqliteDocumentStoreOptions>>().Value,
                sp.GetRequiredService<ILogger<SqliteDocumentStore>>()));
        services.AddHostedService<StorageStartupCheck>();
        services.AddSingleton<IFileStore>(sp => new DirectoryFileStore(sp.GetRequiredService<DataPaths>().Files));

        // The embedding model and its tokenizer, loaded once per process.
        services.AddSingleton(sp => new WordPieceTokenizer(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.ResolveModel()));
        services.AddSingleton<ITokenCounter>(sp => sp.GetRequiredService<WordPieceTokenizer>());
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var embedding = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
            return new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions
            {
                Model = embedding.ResolveModel(),
                BatchSize = embedding.BatchSize,
                IntraOpThreads = embedding.Threads,
                MaxConcurrentBatches = embedding.ConcurrentBatches > 0 ? embedding.ConcurrentBatches : Environment.ProcessorCount,
                QueryThreads = !embedding.SeparateQuerySession ? 0
                    : embedding.QueryThreads > 0 ? embedding.QueryThreads : OnnxEmbeddingOptions.DefaultQueryThreads,
            }, sp.GetRequiredService<WordPieceTokenizer>());
        });
        // After a model change, the older model embeds questions for the documents not yet re-embedded: one session
        // that runs one question at a time on all the cores it may use.
        services.AddSingleton(sp => new EmbeddingSpaces(
            sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            name => EmbeddingModel.Find(name) is { } model
                ? new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions
                {
                    Model = model,
                    IntraOpThreads = OnnxEmbeddingOptions.DefaultQueryThreads,
                    MaxConcurrentBatches = 1,
                    QueryThreads = 0,
                })
                : null));
        services.AddSingleton<Reembedder>();

        services.AddSingleton<IDocumentExtractor>(sp =>
        {
            var ingestion = sp.GetRequiredService<IOptions<IngestionOptions>>().Value;
            return ingestion.IsolateExtraction
                ? new IsolatedDocumentExtractor(new DocumentExtractor(),
                    new ExtractionLimits(TimeSpan.FromSeconds(ingestion.ExtractionTimeoutSeconds), ingestion.ExtractionMemoryMegabytes))
                : new DocumentExtractor();
        });
        services.AddSingleton(sp => new Chunker(sp.GetRequiredService<ITokenCounter>(), sp.GetRequiredService<IOptions<ChunkingOptions>>().Value));
        services.AddSingleton<Retriever>();
        services.AddSingleton(sp => new DocumentSubjects(sp.GetRequiredService<IDocumentStore>()));
        services.AddSingleton(sp => new EvidenceCheck(sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<DocumentSubjects>(),
            sp.GetRequiredService<IOptions<EvidenceOptions>>().Value));
        AddAnswering(services, configuration, contentRoot);
        services.AddSingleton<AskService>();

        services.AddSingleton<IngestionSignal>();
        services.AddSingleton<ModelReadiness>();
        services.AddSingleton<DocumentWriteLock>();
        services.AddSingleton(sp => new DocumentLibrary(
            sp.GetRequiredService<IDocumentStore>(),
            sp.GetRequiredService<IFileStore>(),
            sp.GetRequiredService<IDocumentExtractor>(),
            sp.GetRequiredService<IngestionSignal>(),
            sp.GetRequiredService<DocumentWriteLock>(),
            sp.GetRequiredService<IOptions<IngestionOptions>>(),
            sp.GetRequiredService<TimeProvider>())
        {
            SpoolDirectory = sp.GetRequiredService<DataPaths>().Spool,
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
    /// Answers come from the local language model when Llm:ModelPath names one, and are extracted from the passages
    /// otherwise. The model is loaded once, at start-up, so a bad path stops the server with a clear message.
    /// </summary>
    private static void AddAnswering(IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<LlmOptions>().Bind(configuration.GetSection(LlmOptions.Section));
        services.AddSingleton(sp =>
        {
            var llm = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
            return new GenerationOptions { MaxAnswerTokens = llm.MaxAnswerTokens, Temperature = llm.Temperature };
        });

        if (string.IsNullOrWhiteSpace(configuration[$"{LlmOptions.Section}:ModelPath"]))
        {
            services.AddSingleton<IQuestionRewriter, CarryOverQuestionRewriter>();
            services.AddSingleton<IAnswerGenerator>(sp => new ExtractiveAnswerer(
                sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
                sp.GetRequiredService<IOptions<ExtractiveAnswerOptions>>().Value));
            return;
        }

        services.AddSingleton<ILanguageModel>(sp =>
        {
            var llm = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
            var path = Path.GetFullPath(Path.Combine(contentRoot, llm.ModelPath!));
            if (!File.Exists(path))
                throw new InvalidOperationException($"Llm:ModelPath names {path}, which does not exist. Fetch a model with 'docqa model pull', or unset Llm:ModelPath for extractive answers.");
            return LlamaLanguageModel.Load(llm with { ModelPath = path }, sp.GetRequiredService<ILogger<LlamaLanguageModel>>());
        });
        services.AddSingleton(sp =>
        {
            var llm = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
            return new GenerationGate(llm.MaxConcurrentRequests, llm.MaxQueuedRequests);
        });
        services.AddSingleton<IAnswerGenerator, GeneratedAnswerer>();
        services.AddSingleton<IQuestionRewriter, ModelQuestionRewriter>();
    }

    /// <summary>Adds the background ingestion worker (the server runs it; the CLI drains the queue itself).</summary>
    public static IServiceCollection AddDocQaIngestionWorker(this IServiceCollection services) =>
        services.AddHostedService<LanguageModelLoader>().AddHostedService<IngestionWorker>();
}
