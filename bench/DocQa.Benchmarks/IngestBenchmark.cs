using System.Diagnostics;
using System.Numerics.Tensors;
using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Embeddings.Onnx;
using DocQa.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocQa.Benchmarks;

/// <summary>
/// bench ingest: a folder ingested end to end with float32 and with int8 embeddings, each into a fresh store; then
/// where the time goes (extraction, chunking, tokenising, embedding in both precisions, storing) and how close the
/// int8 vectors are to the float32 ones, on the very same chunks.
/// </summary>
public static class IngestBenchmark
{
    private const string Index = "bench";
    private const string WarmUpIndex = "bench-warm-up";

    private static readonly EmbeddingPrecision[] Precisions = [EmbeddingPrecision.Float32, EmbeddingPrecision.Int8];

    /// <param name="dataDirectory">Where the two stores are kept (its float32 and int8 folders); none: temporary stores, removed after.</param>
    public static async Task<int> RunAsync(string folder, string? dataDirectory, CancellationToken ct)
    {
        var files = DocumentPaths.Expand([folder], out _);
        var scratch = dataDirectory ?? Path.Combine(Path.GetTempPath(), "docqa-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Console.WriteLine($"bench ingest: {files.Count} files from {folder}, {Environment.ProcessorCount} cores, data in {scratch}");
            var runs = new List<PrecisionRun>();
            Split? split = null;
            foreach (var precision in Precisions)
            {
                var storing = new StoringClock();
                await using var services = LocalServices.Build(Path.Combine(scratch, Name(precision)), s => Configure(s, precision, storing));
                var endToEnd = await IngestAsync(services, files, precision, ct);
                split ??= await SplitAsync(services, files, ct);
                var (seconds, vectors) = await EmbedAsync(services, split.Texts, ct);
                runs.Add(new PrecisionRun(precision, endToEnd, seconds, vectors, storing.Elapsed));
            }
            return Report(split!, runs);
        }
        finally
        {
            // The services are disposed by now: the database is closed before its folder is removed.
            if (dataDirectory is null) DeleteScratch(scratch);
        }
    }

    private static void Configure(IServiceCollection services, EmbeddingPrecision precision, StoringClock storing)
    {
        services.PostConfigure<EmbeddingOptions>(o => o.Precision = Name(precision));

        // Times the writes of documents' chunks, which ingestion does through the queue.
        var queue = services.Last(d => d.ServiceType == typeof(IIngestionQueue));
        var inner = queue.ImplementationFactory ?? throw new BenchmarkException("the ingestion queue is not registered by a factory");
        services.AddSingleton<IIngestionQueue>(sp => new TimedIngestionQueue((IIngestionQueue)inner(sp), storing));
    }

    private static string Name(EmbeddingPrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>Upload, extract, chunk, embed, store — as the server does it.</summary>
    private static async Task<EndToEnd> IngestAsync(IServiceProvider services, IReadOnlyList<string> files, EmbeddingPrecision precision, CancellationToken ct)
    {
        var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var library = services.GetRequiredService<DocumentLibrary>();
        var runner = services.GetRequiredService<IngestionRunner>();
        var options = services.GetRequiredService<IOptions<IngestionOptions>>().Value;
        await WarmUpAsync(library, runner, files, options.Workers, ct);
        Console.WriteLine($"{Name(precision)}: {EmbeddingSpaces.ModelOf(embedder)}, {options.Workers} workers");

        var clock = Stopwatch.StartNew();
        foreach (var file in files)
        {
            await using var content = File.OpenRead(file);
            await library.SubmitAsync(new Upload(Index, Path.GetFileName(file), content), ct);
        }
        await runner.RunUntilEmptyAsync(ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var documents = await library.ListAsync(Index, ct);
        return new EndToEnd(seconds, documents);
    }

    /// <summary>
    /// The clock measures a running server's throughput, not its start: before it, the smallest files, one per ingestion worker,
    /// go through the whole pipeline side by side, into an index of their own. That loads the model and
    /// starts the extraction workers (each a process that compiles its readers on first use), as a server's first
    /// documents do.
    /// </summary>
    private static async Task WarmUpAsync(DocumentLibrary library, IngestionRunner runner, IReadOnlyList<string> files, int workers, CancellationToken ct)
    {
        foreach (var file in files.OrderBy(f => new FileInfo(f).Length).Take(workers))
        {
            await using var content = File.OpenRead(file);
            await library.SubmitAsync(new Upload(WarmUpIndex, Path.GetFileName(file), content), ct);
        }
        await runner.RunUntilEmptyAsync(ct);
    }

    /// <summary>Extraction, chunking and tokenising, each alone over all the files on one thread; also collects the chunks.</summary>
    private static async Task<Split> SplitAsync(IServiceProvider services, IReadOnlyList<string> files, CancellationToken ct)
    {
        var extractor = services.GetRequiredService<IDocumentExtractor>();
        var chunker = services.GetRequiredService<Chunker>();
        var tokenizer = services.GetRequiredService<WordPieceTokenizer>();

        var extracted = new List<(ExtractedDocument Document, string Title)>();
        var clock = Stopwatch.StartNew();
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file, ct);
            if (extractor.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, DocumentTypeSniff.HeadBytes)), file) is not { } type) continue;
            try
            {
                using var content = new MemoryStream(bytes, writable: false);
                extracted.Add((extractor.Extract(content, type, ct), Path.GetFileNameWithoutExtension(file)));
            }
            catch (ExtractionException)
            {
                // failed documents are reported from the end-to-end runs
            }
        }
        var extraction = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var texts = extracted.SelectMany(e => chunker.Split(e.Document, ct, title: e.Title)).Select(c => c.EmbeddingText).ToList();
        var chunking = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var tokens = texts.Sum(t => (long)tokenizer.EncodeForModel(t).Length);
        var tokenising = clock.Elapsed.TotalSeconds;
        return new Split(texts, extracted.Sum(e => e.Document.Pages), tokens, extraction, chunking, tokenising);
    }

    /// <summary>Embedding alone, on the very same chunks, in the calls ingestion makes.</summary>
    private static async Task<(double Seconds, float[][] Vectors)> EmbedAsync(IServiceProvider services, IReadOnlyList<string> texts, CancellationToken ct)
    {
        var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var vectors = new List<float[]>(texts.Count);
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < texts.Count; start += IngestionOptions.ChunksPerEmbeddingCall)
        {
            var embeddings = await embedder.GenerateAsync(texts.Skip(start).Take(IngestionOptions.ChunksPerEmbeddingCall), cancellationToken: ct);
            vectors.AddRange(embeddings.Select(e => e.Vector.ToArray()));
        }
        return (clock.Elapsed.TotalSeconds, vectors.ToArray());
    }

    private static int Report(Split split, List<PrecisionRun> runs)
    {
        var chunks = split.Texts.Count;
        var failed = runs.SelectMany(r => r.EndToEnd.Documents).Where(d => d.Status == DocumentStatus.Failed).DistinctBy(d => d.FileName).ToList();
        Console.WriteLine($"documents            {runs[0].EndToEnd.Documents.Count} ({failed.Count} failed)");
        foreach (var f in failed) Console.WriteLine($"  failed {f.FileName}: {f.Error}");
        Console.WriteLine($"pages                {split.Pages}");
        Console.WriteLine($"chunks               {chunks} ({split.Tokens} tokens)");

        Console.WriteLine("where the time goes (each stage alone, seconds for the whole folder)");
        Console.WriteLine($"  extraction         {split.Extraction,7:0.0} s  {split.Pages / split.Extraction,7:0.0} pages/s (one thread)");
        Console.WriteLine($"  chunking           {split.Chunking,7:0.0} s  {chunks / split.Chunking,7:0.0} chunks/s (one thread)");
        Console.WriteLine($"  tokenising         {split.Tokenising,7:0.0} s  {chunks / split.Tokenising,7:0.0} chunks/s (one thread)");
        foreach (var run in runs)
            Console.WriteLine($"  embedding {Name(run.Precision),-8} {run.Embedding,7:0.0} s  {chunks / run.Embedding,7:0.0} chunks/s (all cores)");
        foreach (var run in runs)
            Console.WriteLine($"  storing ({Name(run.Precision)}) {run.Storing.TotalSeconds,6:0.0} s  {run.EndToEnd.Chunks / run.Storing.TotalSeconds,7:0.0} chunks/s (writes of the end-to-end run)");

        Console.WriteLine("end to end (upload, extract, chunk, embed, store)");
        foreach (var run in runs)
        {
            var e2e = run.EndToEnd;
            Console.WriteLine($"  {Name(run.Precision),-8}           {e2e.Seconds,7:0.0} s  {e2e.ChunksPerSecond,7:0.0} chunks/s  {split.Pages / e2e.Seconds,5:0.0} pages/s  " +
                $"({e2e.ChunksPerSecond / (chunks / run.Embedding):P0} of embedding-only)");
        }

        var (f32, int8) = (runs.Single(r => r.Precision == EmbeddingPrecision.Float32), runs.Single(r => r.Precision == EmbeddingPrecision.Int8));
        var cosines = f32.Vectors.Zip(int8.Vectors, (a, b) => TensorPrimitives.CosineSimilarity(a, b)).ToArray();
        Console.WriteLine($"int8 / float32       end to end {int8.EndToEnd.ChunksPerSecond / f32.EndToEnd.ChunksPerSecond:0.00}x  " +
            $"embedding only {f32.Embedding / int8.Embedding:0.00}x");
        Console.WriteLine($"cosine int8~float32  mean {cosines.DefaultIfEmpty(0).Average():0.0000}  min {cosines.DefaultIfEmpty(0).Min():0.0000} over {cosines.Length} chunks");
        Console.WriteLine($"peak working set     {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
        return failed.Count == 0 ? 0 : 1;
    }

    private static void DeleteScratch(string scratch)
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }

    private sealed record EndToEnd(double Seconds, IReadOnlyList<DocumentRecord> Documents)
    {
        public int Chunks => Documents.Sum(d => d.Chunks);

        public double ChunksPerSecond => Chunks / Seconds;
    }

    private sealed record Split(IReadOnlyList<string> Texts, int Pages, long Tokens, double Extraction, double Chunking, double Tokenising);

    private sealed record PrecisionRun(EmbeddingPrecision Precision, EndToEnd EndToEnd, double Embedding, float[][] Vectors, TimeSpan Storing);

    /// <summary>Time spent writing documents' chunks, summed over the ingestion workers.</summary>
    private sealed class StoringClock
    {
        private long _ticks;

        public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

        public void Add(TimeSpan elapsed) => Interlocked.Add(ref _ticks, elapsed.Ticks);
    }

    private sealed class TimedIngestionQueue(IIngestionQueue inner, StoringClock clock) : IIngestionQueue
    {
        public Task<DocumentRecord?> ClaimNextQueuedAsync(IReadOnlyCollection<string>? skipIndexes = null, CancellationToken cancellationToken = default) =>
            inner.ClaimNextQueuedAsync(skipIndexes, cancellationToken);

        public Task<int> CountQueuedAsync(CancellationToken cancellationToken = default) => inner.CountQueuedAsync(cancellationToken);

        public Task<int> RequeueInterruptedAsync(CancellationToken cancellationToken = default) => inner.RequeueInterruptedAsync(cancellationToken);

        public async Task CompleteDocumentAsync(DocumentRecord record, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken = default)
        {
            var start = Stopwatch.GetTimestamp();
            await inner.CompleteDocumentAsync(record, chunks, cancellationToken);
            clock.Add(Stopwatch.GetElapsedTime(start));
        }
    }
}
