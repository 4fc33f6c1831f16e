using System.CommandLine;
using System.Diagnostics;
using DocQa.Cli.Backends;
using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;
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
        return new Command("bench", "Measure speed") { ingest };
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
            Console.WriteLine($"bench ingest: {files.Count} files from {folder}, {Environment.ProcessorCount} cores, {options.Workers} workers, data in {scratch}");

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
                    texts.AddRange(chunker.Split(extractor.Extract(new MemoryStream(bytes), type, ct), ct).Select(c => c.EmbeddingText));
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

    private static async Task DeleteScratchAsync(IAsyncDisposable backend, string scratch)
    {
        await backend.DisposeAsync(); // close the database before removing its folder
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
