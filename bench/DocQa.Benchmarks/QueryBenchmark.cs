using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Evaluation;
using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Embeddings.Onnx;
using DocQa.Hosting;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocQa.Benchmarks;

/// <summary>
/// bench query: in-process search speed on a store of N chunks. Real chunks of a folder are embedded once and
/// repeated with small changes (see <see cref="SyntheticCorpus"/>) until the store holds N.
/// </summary>
public static class QueryBenchmark
{
    private const string Index = "bench";
    private const int WarmUpQueries = 100; // per mode
    private const int RecallDepth = 10;

    public static async Task<int> RunAsync(QueryBenchmarkSettings settings, string? dataDirectory, CancellationToken ct)
    {
        var folder = Path.GetFullPath(settings.Folder);
        if (!Directory.Exists(folder)) throw new BenchmarkException($"no such folder: {settings.Folder}");
        var folderKey = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..8].ToLowerInvariant();
        // Each embedding model gets its own store: vectors of two models are never mixed.
        var model = EmbeddingModel.Find(LocalServices.Configuration()[$"{EmbeddingOptions.Section}:Model"]) ?? EmbeddingOptions.DefaultModel;
        var scratch = dataDirectory ?? Path.Combine(Path.GetTempPath(), $"docqa-bench-query-{settings.Chunks}-{folderKey}-{model.Id}");

        // The services are opened again to time restarts; whichever are open at the end are disposed.
        var open = new OpenServices { Current = LocalServices.Build(scratch) };
        try
        {
            return await RunAsync(settings, scratch, folder, folderKey, open, ct);
        }
        finally
        {
            if (open.Current is not null) await open.Current.DisposeAsync();
        }
    }

    private sealed class OpenServices
    {
        public ServiceProvider? Current { get; set; }
    }

    private static async Task<int> RunAsync(QueryBenchmarkSettings settings, string scratch, string folder, string folderKey, OpenServices open, CancellationToken ct)
    {
        var services = open.Current!;
        var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var store = services.GetRequiredService<IDocumentStore>();
        var retriever = services.GetRequiredService<Retriever>();
        await embedder.GenerateAsync(["warm up the model", "and its thread pool"], cancellationToken: ct);
        Console.WriteLine($"bench query: {settings.Chunks} chunks from {folder}, {EmbeddingSpaces.ModelOf(embedder)}, {Environment.ProcessorCount} cores, data in {scratch}");

        // 1. The source chunks, embedded once and cached beside the store.
        var source = await LoadOrEmbedSourceAsync(services, embedder, folder, Path.Combine(scratch, $"source-{folderKey}.bin"), ct);
        if (source.Count == 0) throw new BenchmarkException($"no chunks could be extracted from {folder}");

        // 2. The store of N chunks, built unless a previous run left it complete.
        var indexes = await store.ListIndexesAsync(ct);
        var existing = indexes.FirstOrDefault(i => i.Name == Index)?.Chunks ?? 0;
        if (existing == settings.Chunks)
            Console.WriteLine($"store                reused ({existing} chunks)");
        else
        {
            if (existing > 0) await store.DeleteIndexAsync(Index, ct);
            var build = Stopwatch.StartNew();
            await BuildAsync(store, source, settings.Chunks, ct);
            Console.WriteLine($"store                built {settings.Chunks} chunks from {source.Count} source chunks in {build.Elapsed.TotalSeconds:0.0} s " +
                $"({settings.Chunks / build.Elapsed.TotalSeconds:0} chunks/s, {SyntheticCorpus.ChunksPerDocument} chunks a transaction)");
        }
        Console.WriteLine(DescribeVectors(services));

        // 3. Warm-up on other queries (sentences of the chunks), so that the figures are the steady state's: .NET
        // compiles hot methods again, optimised, only after they have run for a while, on a background thread.
        var (questions, origin) = LoadQuestions(settings.QuestionsFile, source, settings.Queries);
        var warmUp = Stopwatch.StartNew();
        foreach (var mode in new[] { RetrievalMode.Hybrid, RetrievalMode.Vector, RetrievalMode.Keyword })
            foreach (var sentence in SentenceQueries(source, WarmUpQueries, seed: 11))
                await retriever.SearchAsync(new SearchRequest(Index, sentence, 5, mode), ct);
        Console.WriteLine($"warm-up              {3 * WarmUpQueries} searches of other queries in {warmUp.Elapsed.TotalSeconds:0.0} s");

        // 4. The queries' embedding time on its own.
        var embedTimes = new List<double>();
        var queryVectors = new List<ReadOnlyMemory<float>>();
        foreach (var question in questions)
        {
            var clock = Stopwatch.StartNew();
            var embedding = await embedder.EmbedQueryAsync(question, ct);
            embedTimes.Add(clock.Elapsed.TotalMilliseconds);
            queryVectors.Add(embedding.Vector);
        }
        Console.WriteLine($"queries              {questions.Count} ({origin}), top 5");
        Console.WriteLine($"query embedding      {Percentiles(embedTimes)}");

        // 5. Latency by mode; vector and hybrid include the query embedding, as a request does.
        var hybridTimes = new List<double>();
        foreach (var mode in new[] { RetrievalMode.Hybrid, RetrievalMode.Vector, RetrievalMode.Keyword })
        {
            var times = new List<double>();
            foreach (var question in questions)
            {
                var clock = Stopwatch.StartNew();
                await retriever.SearchAsync(new SearchRequest(Index, question, 5, mode), ct);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            if (mode == RetrievalMode.Hybrid) hybridTimes = times;
            var label = mode == RetrievalMode.Keyword ? "keyword" : $"{mode.ToString().ToLowerInvariant()} (+embedding)";
            Console.WriteLine($"{label,-21}{Percentiles(times)}");
        }

        // 6. Throughput of hybrid search with one and with two callers.
        foreach (var callers in new[] { 1, 2 })
        {
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < questions.Count)
                    await retriever.SearchAsync(new SearchRequest(Index, questions[i], 5), ct);
            }, ct)));
            Console.WriteLine($"hybrid, {callers} caller{(callers > 1 ? "s" : " ")}     {questions.Count / clock.Elapsed.TotalSeconds:0.0} queries/s");
        }

        // The memory figures are taken before the ground truth is computed: its scan is no part of searching.
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var peak = process.PeakWorkingSet64;
        var workingSet = process.WorkingSet64;
        var gc = GC.GetGCMemoryInfo();
        var managedLive = GC.GetTotalMemory(false);
        var gen2Collections = GC.CollectionCount(2);

        // 7. Recall@10 of the store's search (int8 with exact rescoring) against an exact float32 scan of the same
        // vectors, generated again from the source.
        var exactClock = Stopwatch.StartNew();
        var exactSearch = new ExactSearch(queryVectors, RecallDepth);
        foreach (var (_, chunks) in SyntheticCorpus.Documents(source, settings.Chunks))
        {
            ct.ThrowIfCancellationRequested();
            exactSearch.Add(chunks);
        }
        var exact = exactSearch.Results();
        var exactSeconds = exactClock.Elapsed.TotalSeconds;
        var found = 0;
        for (var q = 0; q < queryVectors.Count; q++)
        {
            var hits = await store.VectorSearchAsync(Index, queryVectors[q], RecallDepth, SearchFilter.None, ct);
            found += hits.Select(hit => hit.ChunkId).Intersect(exact[q]).Count();
        }
        var recall = found / (double)exact.Sum(ids => ids.Count);
        Console.WriteLine($"recall@10            {recall:0.0000} (int8 scan + exact float32 rescoring vs exact float32 scan of {queryVectors.Count} queries, scan {exactSeconds:0.0} s)");

        // 8. Memory: the peak includes building the store, when one was built; with a store reused, it is a new
        // process's open of the store (from its checkpoint, when it has one) and its searches.
        Console.WriteLine($"peak working set     {peak / (1024 * 1024)} MiB (now {workingSet / (1024 * 1024)} MiB)");
        Console.WriteLine($"managed heap         {managedLive / (1024 * 1024)} MiB live, {gc.TotalCommittedBytes / (1024 * 1024)} MiB committed, " +
            $"{gc.HeapSizeBytes / (1024 * 1024)} MiB heap at last GC, {gen2Collections} gen2 collections");

        // 8b. Restarts, last; nothing here may hold on to the store being closed.
        (services, embedder, store, retriever) = (null!, null!, null!, null!);
        var restartVerdict = await MeasureRestartsAsync(open, scratch, SentenceQueries(source, 1, seed: 5)[0], settings.Targets.RestartSeconds, ct);

        // 9. The targets, as the options set them.
        var targets = settings.Targets;
        var p95 = EvalMetrics.Percentile(hybridTimes, 95);
        Console.WriteLine(Verdict($"hybrid p95 <= {targets.HybridP95Ms:0.#} ms", p95 <= targets.HybridP95Ms, $"{p95:0.0} ms", p95 / targets.HybridP95Ms));
        Console.WriteLine(Verdict($"recall@10 >= {targets.Recall:0.00##}", recall >= targets.Recall, $"{recall:0.0000}", targets.Recall / Math.Max(recall, 1e-9)));
        var memoryTarget = targets.PeakMemoryGb * 1e9;
        Console.WriteLine(Verdict($"peak memory < {targets.PeakMemoryGb:0.0##} GB", peak < memoryTarget, $"{peak / 1e9:0.00} GB", peak / memoryTarget));
        if (restartVerdict is not null) Console.WriteLine(restartVerdict);
        return 0;
    }

    /// <summary>
    /// Restarts: the store closed, then opened twice as a new process would open it, each time answering one hybrid
    /// query: first without its checkpoint (rebuilt from the rows, as after an upgrade from a build without
    /// checkpoints), then with the checkpoint the first one wrote at close. Run last: the closed stores' memory is
    /// not all handed back to the system within one process, so the opens' peaks are printed apart and the run's
    /// peak is the serving one. Returns the verdict on the second open.
    /// </summary>
    private static async Task<string?> MeasureRestartsAsync(OpenServices open, string scratch, string question, double targetSeconds, CancellationToken ct)
    {
        var current = open.Current!;
        if ((current.GetRequiredService<IDocumentStore>() as SqliteDocumentStore)?.CheckpointPath is not { } checkpoint) return null;
        await current.DisposeAsync();
        (current, open.Current) = (null!, null);
        File.Delete(checkpoint);
        var (rebuiltServices, rebuilt, rebuildPeak) = await OpenAndAskAsync(scratch, question, ct);
        Console.WriteLine($"first open           {rebuilt} (rebuilt from the rows); {rebuilt.Memory(rebuildPeak)}");
        await rebuiltServices.DisposeAsync();
        rebuiltServices = null!;
        var checkpointed = File.Exists(checkpoint);
        Console.WriteLine(checkpointed
            ? $"checkpoint           {Mib(new FileInfo(checkpoint).Length)}, written at close"
            : "checkpoint           none: the store has fewer chunks than Storage:Sqlite:CheckpointMinimumChunks");
        var (restartedServices, restarted, restartPeak) = await OpenAndAskAsync(scratch, question, ct);
        open.Current = restartedServices;
        Console.WriteLine($"second open          {restarted} ({(checkpointed ? "from the checkpoint" : "rebuilt again")}); {restarted.Memory(restartPeak)}");
        return Verdict($"second open <= {targetSeconds:0.#} s", restarted.Total.TotalSeconds <= targetSeconds,
            $"{restarted.Total.TotalSeconds:0.0} s, first open {rebuilt.Total.TotalSeconds:0.0} s", restarted.Total.TotalSeconds / targetSeconds);
    }

    /// <summary>The time to open the store and answer one hybrid query, as a restarted process would.</summary>
    private sealed record Restart(TimeSpan Open, TimeSpan FirstQuery, long WorkingSetAtStart, long ManagedAtStart)
    {
        public TimeSpan Total => Open + FirstQuery;

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Total.TotalSeconds:0.0} s to the first answer: open {Open.TotalSeconds:0.0} s, first hybrid query {FirstQuery.TotalSeconds:0.0} s");

        public string Memory(long peak) =>
            $"peak working set {Mib(peak)}, from {Mib(WorkingSetAtStart)} before it ({Mib(ManagedAtStart)} managed)";
    }

    /// <summary>
    /// Opens the services on the store and asks one question. The garbage of the store closed before is collected
    /// first and the peak working set is measured from there (Linux: /proc/self/clear_refs), as in a new process.
    /// </summary>
    private static async Task<(ServiceProvider Services, Restart Restart, long Peak)> OpenAndAskAsync(string scratch, string question, CancellationToken ct)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var workingSet = process.WorkingSet64;
        var managed = GC.GetTotalMemory(false);
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Elsewhere the peak stays the process's.
        }

        var clock = Stopwatch.StartNew();
        var services = LocalServices.Build(scratch);
        services.GetRequiredService<IDocumentStore>();
        var open = clock.Elapsed;
        await services.GetRequiredService<Retriever>().SearchAsync(new SearchRequest(Index, question, 5, RetrievalMode.Hybrid), ct);
        var restart = new Restart(open, clock.Elapsed - open, workingSet, managed);
        process.Refresh();
        return (services, restart, process.PeakWorkingSet64);
    }

    private static string Mib(long bytes) => $"{bytes / (1024 * 1024)} MiB";

    private static string DescribeVectors(IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<StorageOptions>>().Value.IsQdrant)
            return "vectors              in Qdrant (Storage:Qdrant)";
        var options = services.GetRequiredService<IOptions<SqliteDocumentStoreOptions>>().Value;
        return options.VectorPrecision == VectorPrecision.Int8
            ? $"vectors              int8 in memory (per-vector scale), exact float32 rescoring of the best max(top x {options.RescoreFactor}, {options.RescoreMinimum}) candidates"
            : "vectors              float32 in memory, exact scan";
    }

    private static string Verdict(string target, bool met, string measured, double ratio) =>
        met ? $"target {target,-28} met ({measured})" : $"target {target,-28} NOT met ({measured}, {ratio:0.00}x the target)";

    private static string Percentiles(List<double> times) =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {EvalMetrics.Percentile(times, 50),6:0.0} ms  p95 {EvalMetrics.Percentile(times, 95),6:0.0} ms  p99 {EvalMetrics.Percentile(times, 99),6:0.0} ms");

    /// <summary>Extracts, chunks and embeds the folder once; later runs read the texts and vectors from the cache file.</summary>
    private static async Task<List<SourceChunk>> LoadOrEmbedSourceAsync(IServiceProvider services,
        IEmbeddingGenerator<string, Embedding<float>> embedder, string folder, string cachePath, CancellationToken ct)
    {
        if (File.Exists(cachePath))
        {
            var cached = ReadCache(cachePath);
            Console.WriteLine($"source chunks        {cached.Count}, read from the cache");
            return cached;
        }

        var preparation = services.GetRequiredService<DocumentPreparation>();
        var batchSize = IngestionOptions.ChunksPerEmbeddingCall;
        var clock = Stopwatch.StartNew();
        var chunks = new List<Chunk>();
        foreach (var file in DocumentPaths.Expand([folder], out _))
        {
            try
            {
                await using var content = File.OpenRead(file);
                chunks.AddRange((await preparation.PrepareAsync(content, Path.GetFileName(file), ct)).Chunks);
            }
            catch (ExtractionException e)
            {
                Console.WriteLine($"  skipped {Path.GetFileName(file)}: {e.Message}");
            }
        }
        var source = new List<SourceChunk>(chunks.Count);
        for (var start = 0; start < chunks.Count; start += batchSize)
        {
            var batch = chunks.Skip(start).Take(batchSize).ToList();
            var embeddings = await embedder.GenerateAsync(batch.Select(c => c.EmbeddingText), cancellationToken: ct);
            for (var i = 0; i < batch.Count; i++)
                source.Add(new SourceChunk(batch[i].Text, batch[i].Heading, batch[i].Page, batch[i].PageEnd, embeddings[i].Vector.ToArray()));
        }

        WriteCache(cachePath, source);
        Console.WriteLine($"source chunks        {source.Count}, extracted and embedded in {clock.Elapsed.TotalSeconds:0.0} s (cached for later runs)");
        return source;
    }

    private static List<SourceChunk> ReadCache(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        var count = reader.ReadInt32();
        var chunks = new List<SourceChunk>(count);
        for (var i = 0; i < count; i++)
        {
            var text = reader.ReadString();
            var heading = reader.ReadBoolean() ? reader.ReadString() : null;
            var page = reader.ReadInt32();
            var pageEnd = reader.ReadInt32();
            var vector = new float[reader.ReadInt32()];
            for (var j = 0; j < vector.Length; j++) vector[j] = reader.ReadSingle();
            chunks.Add(new SourceChunk(text, heading, page, pageEnd, vector));
        }
        return chunks;
    }

    private static void WriteCache(string path, List<SourceChunk> chunks)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new BinaryWriter(File.Create(path), Encoding.UTF8);
        writer.Write(chunks.Count);
        foreach (var chunk in chunks)
        {
            writer.Write(chunk.Text);
            writer.Write(chunk.Heading is not null);
            if (chunk.Heading is not null) writer.Write(chunk.Heading);
            writer.Write(chunk.Page);
            writer.Write(chunk.PageEnd);
            writer.Write(chunk.Vector.Length);
            foreach (var value in chunk.Vector) writer.Write(value);
        }
    }

    /// <summary>Writes the corpus's documents, reporting progress on long builds.</summary>
    private static async Task BuildAsync(IDocumentStore store, List<SourceChunk> source, int chunkCount, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var progress = Stopwatch.StartNew();
        var written = 0;
        foreach (var (id, chunks) in SyntheticCorpus.Documents(source, chunkCount))
        {
            var record = new DocumentRecord
            {
                Index = Index,
                Id = id,
                FileName = id + ".txt",
                ContentType = "text/plain",
                Sha256 = new string('0', 64),
                Status = DocumentStatus.Ready,
                Chunks = chunks.Count,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await store.CompleteDocumentAsync(record, chunks, ct);
            written += chunks.Count;
            if (progress.Elapsed.TotalSeconds >= 30)
            {
                Console.WriteLine($"  ... {written} chunks written");
                progress.Restart();
            }
        }
    }

    /// <summary>
    /// The queries to time: the texts of the questions file when one is given, else a sentence from each of a spread
    /// of chunks; repeated when fewer than asked, so that each is timed once per pass.
    /// </summary>
    private static (List<string> Queries, string Origin) LoadQuestions(string? path, List<SourceChunk> source, int count)
    {
        List<string> questions;
        string origin;
        if (path is null)
        {
            questions = SentenceQueries(source, count, seed: 7);
            origin = "sentences of the chunks";
        }
        else
        {
            questions = File.ReadLines(path).Select(QuestionOf).OfType<string>().ToList();
            if (questions.Count == 0) throw new BenchmarkException($"no questions in {path}");
            origin = $"questions of {Path.GetFileName(path)}";
        }
        var all = new List<string>(count);
        for (var i = 0; questions.Count > 0 && all.Count < count; i++) all.Add(questions[i % questions.Count]);
        return (all, origin);
    }

    /// <summary>A line's query: the "question" field of a JSON object (as in an evaluation set), or the line itself.</summary>
    private static string? QuestionOf(string line)
    {
        line = line.Trim();
        if (line.Length == 0) return null;
        if (!line.StartsWith('{')) return line;
        using var json = JsonDocument.Parse(line);
        return json.RootElement.TryGetProperty("question", out var question) && question.GetString() is { Length: > 0 } text ? text : null;
    }

    /// <summary>Queries made of the first words of random sentences of the chunks.</summary>
    private static List<string> SentenceQueries(List<SourceChunk> source, int count, int seed)
    {
        var random = new Random(seed);
        var queries = new List<string>(count);
        for (var i = 0; i < count * 4 && queries.Count < count; i++)
        {
            var sentences = source[random.Next(source.Count)].Text.Split(['.', '?', '!', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var words = sentences.Length == 0 ? [] : sentences[random.Next(sentences.Length)].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 4) queries.Add(string.Join(' ', words.Take(12)));
        }
        return queries;
    }
}
