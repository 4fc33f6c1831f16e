using System.Diagnostics;
using DocQa.Core.Documents;
using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocQa.Benchmarks;

/// <summary>bench ingest: a folder ingested end to end, then its extraction and its embedding measured apart.</summary>
public static class IngestBenchmark
{
    private const string Index = "bench";

    public static async Task<int> RunAsync(string folder, string? dataDirectory, CancellationToken ct)
    {
        var files = DocumentPaths.Expand([folder], out _);
        var scratch = dataDirectory ?? Path.Combine(Path.GetTempPath(), "docqa-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var services = LocalServices.Build(scratch);
            return await MeasureAsync(services, files, folder, scratch, ct);
        }
        finally
        {
            // The services are disposed by now: the database is closed before its folder is removed.
            if (dataDirectory is null) DeleteScratch(scratch);
        }
    }

    private static async Task<int> MeasureAsync(IServiceProvider services, IReadOnlyList<string> files, string folder, string scratch, CancellationToken ct)
    {
        var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var library = services.GetRequiredService<DocumentLibrary>();
        var runner = services.GetRequiredService<IngestionRunner>();
        var preparation = services.GetRequiredService<DocumentPreparation>();
        var options = services.GetRequiredService<IOptions<IngestionOptions>>().Value;
        await embedder.GenerateAsync(["warm up the model", "and its thread pool"], cancellationToken: ct);
        Console.WriteLine($"bench ingest: {files.Count} files from {folder}, {EmbeddingSpaces.ModelOf(embedder)}, {Environment.ProcessorCount} cores, {options.Workers} workers, data in {scratch}");

        // 1. End to end: upload, extract, chunk, embed, store — as the server does it.
        var clock = Stopwatch.StartNew();
        foreach (var file in files)
        {
            await using var content = File.OpenRead(file);
            await library.SubmitAsync(new Upload(Index, Path.GetFileName(file), content), ct);
        }
        await runner.RunUntilEmptyAsync(ct);
        var endToEnd = clock.Elapsed.TotalSeconds;
        var documents = await library.ListAsync(Index, ct);
        var pages = documents.Sum(d => d.Pages);
        var chunks = documents.Sum(d => d.Chunks);
        var failed = documents.Where(d => d.Status == DocumentStatus.Failed).ToList();

        // 2. Extraction and chunking alone, one document at a time; this also collects the chunks for step 3.
        var texts = new List<string>();
        clock.Restart();
        foreach (var file in files)
        {
            try
            {
                await using var content = File.OpenRead(file);
                var prepared = await preparation.PrepareAsync(content, Path.GetFileName(file), ct);
                texts.AddRange(prepared.Chunks.Select(c => c.EmbeddingText));
            }
            catch (ExtractionException)
            {
                // failed documents are reported from step 1
            }
        }
        var extraction = clock.Elapsed.TotalSeconds;

        // 3. Embedding alone, on the very same chunks, in the same batches.
        clock.Restart();
        for (var start = 0; start < texts.Count; start += IngestionOptions.ChunksPerEmbeddingCall)
            await embedder.GenerateAsync(texts.Skip(start).Take(IngestionOptions.ChunksPerEmbeddingCall), cancellationToken: ct);
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

    private static void DeleteScratch(string scratch)
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
