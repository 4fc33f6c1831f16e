using System.CommandLine;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;
using DocQa.Cli.Backends;
using DocQa.Core.Answering.Generation;
using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocQa.Cli.Commands;

/// <summary>docqa bench …: benchmarks that print figures (speed targets are checked here, never by timed tests).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("folder") { Description = "Folder of documents to ingest" };
        var ingest = new Command("ingest", "Ingest a folder into a fresh store; print pages/s, chunks/s and embedding-only chunks/s on the same chunks") { folder };
        ingest.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async _ =>
            await BenchIngestAsync(parse.GetValue(folder)!, parse.GetValue(CommonOptions.DataDirectory), ct)));
        var runs = new Option<int>("--runs") { Description = "Answers to generate", DefaultValueFactory = _ => 3 };
        var llm = new Command("llm", "Measure the configured language model: time to first token, prompt and generation tokens/s") { runs };
        llm.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async _ =>
            await BenchLlmAsync(parse.GetValue(CommonOptions.DataDirectory), parse.GetValue(runs), ct)));

        var chunks = new Option<int>("--chunks") { Description = "Chunks in the benchmark store", DefaultValueFactory = _ => 100_000 };
        var sourceFolder = new Option<string?>("--folder") { Description = "Documents whose chunks are repeated, with small changes, to fill the store (default: data/samples)" };
        var queries = new Option<int>("--queries") { Description = "Queries to time in each mode", DefaultValueFactory = _ => 200 };
        var query = new Command("query", "Build (or reuse) a store of N chunks and time in-process search: latency by mode, queries/s, recall of the int8 vectors, peak memory") { chunks, sourceFolder, queries };
        query.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async _ =>
            await BenchQuery.RunAsync(parse.GetValue(chunks), parse.GetValue(sourceFolder), parse.GetValue(queries), parse.GetValue(CommonOptions.DataDirectory), ct)));

        return new Command("bench", "Measure speed") { ingest, llm, query };
    }

    private static async Task<int> BenchIngestAsync(string folder, string? dataDirectory, CancellationToken ct)
    {
        var files = IngestCommand.ExpandPaths([folder], out _);
        var scratch = dataDirectory ?? Path.Combine(Path.GetTempPath(), "docqa-bench-" + Guid.NewGuid().ToString("N")[..8]);
        await using var backend = new LocalBackend(scratch);
        var services = backend.Services;
        var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var library = services.GetRequiredService<DocumentLibrary>();
        var runner = services.GetRequiredService<IngestionRunner>();
        var options = services.GetRequiredService<IOptions<IngestionOptions>>().Value;
        try
        {
            await embedder.GenerateAsync(["warm up the model", "and its thread pool"], cancellationToken: ct);
            Console.WriteLine($"bench ingest: {files.Count} files from {folder}, {EmbeddingSpaces.ModelOf(embedder)}, {Environment.ProcessorCount} cores, {options.Workers} workers, data in {scratch}");

            // 1. End to end: upload, extract, chunk, embed, store — as the server does it.
            const string index = "bench";
            var clock = Stopwatch.StartNew();
            foreach (var file in files)
            {
                await using var content = File.OpenRead(file);
                await library.SubmitAsync(new Upload(index, Path.GetFileName(file), content), ct);
            }
            await runner.RunUntilEmptyAsync(ct);
            var endToEnd = clock.Elapsed.TotalSeconds;
            var documents = await library.ListAsync(index, ct);
            var pages = documents.Sum(d => d.Pages);
            var chunks = documents.Sum(d => d.Chunks);
            var failed = documents.Where(d => d.Status == DocumentStatus.Failed).ToList();

            // 2. Extraction and chunking alone, on one thread; this also collects the chunks for step 3.
            var extractor = services.GetRequiredService<IDocumentExtractor>();
            var chunker = services.GetRequiredService<Chunker>();
            var texts = new List<string>();
            clock.Restart();
            foreach (var file in files)
            {
                var bytes = await File.ReadAllBytesAsync(file, ct);
                var type = extractor.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, 8192)), file);
                if (type is null) continue;
                try
                {
                    texts.AddRange(chunker.Split(extractor.Extract(new MemoryStream(bytes), type, ct), ct, Path.GetFileNameWithoutExtension(file)).Select(c => c.EmbeddingText));
                }
                catch (ExtractionException)
                {
                    // failed documents are reported from step 1
                }
            }
            var extraction = clock.Elapsed.TotalSeconds;

            // 3. Embedding alone, on the very same chunks, in the same batches.
            clock.Restart();
            for (var start = 0; start < texts.Count; start += options.EmbeddingBatchSize)
                await embedder.GenerateAsync(texts.Skip(start).Take(options.EmbeddingBatchSize), cancellationToken: ct);
            var embeddingOnly = clock.Elapsed.TotalSeconds;

            var e2eChunksPerSecond = chunks / endToEnd;
            var embedChunksPerSecond = texts.Count / embeddingOnly;
            Console.WriteLine($"documents            {documents.Count} ({failed.Count} failed)");
            foreach (var f in failed) Console.WriteLine($"  failed {f.FileName}: {f.Error}");
            Console.WriteLine($"pages                {pages}");
            Console.WriteLine($"chunks               {chunks}");
            Console.WriteLine($"end-to-end           {endToEnd:0.0} s  {pages / endToEnd:0.0} pages/s  {e2eChunksPerSecond:0.0} chunks/s");
            Console.WriteLine($"extract+chunk only   {extraction:0.0} s  {pages / extraction:0.0} pages/s (one thread)");
            Console.WriteLine($"embedding only       {embeddingOnly:0.0} s  {embedChunksPerSecond:0.0} chunks/s ({texts.Count} chunks)");
            Console.WriteLine($"end-to-end / embedding-only  {e2eChunksPerSecond / embedChunksPerSecond:P0}");
            Console.WriteLine($"peak working set     {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
            return failed.Count == 0 ? 0 : 1;
        }
        finally
        {
            if (dataDirectory is null) await DeleteScratchAsync(backend, scratch);
        }
    }

    private static async Task<int> BenchLlmAsync(string? dataDirectory, int runs, CancellationToken ct)
    {
        await using var backend = new LocalBackend(dataDirectory);
        var model = backend.Services.GetService<ILanguageModel>()
            ?? throw new CliException("no language model is configured: set Llm:ModelPath (see docqa model pull)");
        var generation = backend.Services.GetRequiredService<GenerationOptions>();

        // A grounded prompt of realistic shape: three passages and a question, fitted to the window.
        var passages = Enumerable.Range(1, 3).Select(i => new Passage($"bench-{i}", "bench", "bench.txt", i, i, i, null,
            string.Join(' ', Enumerable.Repeat($"Passage {i} says the harbor light was rebuilt in 18{80 + i} after a storm damaged the lantern room.", 6)), 1.0 / i)).ToList();
        var answerTokens = GeneratedAnswerer.AnswerTokens(model, generation);
        var prompt = GroundedPromptBuilder.Build("When was the harbor light rebuilt, and why?", passages, model.CountTokens, model.ContextSize - answerTokens);
        var options = new ChatOptions { MaxOutputTokens = answerTokens, Temperature = generation.Temperature };
        Console.WriteLine($"bench llm: {model.Name}, context {model.ContextSize}, prompt {prompt.Tokens} tokens, up to {answerTokens} answer tokens, {runs} runs");

        for (var run = 1; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            double? firstToken = null;
            long promptTokens = prompt.Tokens, outputTokens = 0;
            await foreach (var update in model.ChatClient.GetStreamingResponseAsync(prompt.Messages, options, ct))
            {
                if (firstToken is null && !string.IsNullOrEmpty(update.Text)) firstToken = clock.Elapsed.TotalSeconds;
                foreach (var usage in update.Contents.OfType<UsageContent>())
                {
                    promptTokens = usage.Details.InputTokenCount ?? promptTokens;
                    outputTokens = usage.Details.OutputTokenCount ?? outputTokens;
                }
            }
            var total = clock.Elapsed.TotalSeconds;
            var ttft = firstToken ?? total;
            var generating = Math.Max(total - ttft, 1e-6);
            Console.WriteLine($"run {run}: time to first token {ttft * 1000:0} ms · prompt {promptTokens / ttft:0.0} tokens/s · " +
                $"generation {Math.Max(outputTokens - 1, 0) / generating:0.0} tokens/s ({outputTokens} tokens) · total {total:0.00} s");
        }
        return 0;
    }

    private static async Task DeleteScratchAsync(IAsyncDisposable backend, string scratch)
    {
        await backend.DisposeAsync(); // close the database before removing its folder
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
