using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;
using DocQa.Cli.Backends;
using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Evaluation;
using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.AI;
using DocQa.Embeddings.Onnx;
using DocQa.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocQa.Cli.Commands;

/// <summary>
/// docqa bench query: in-process search speed on a store of N chunks. Real chunks of a folder are embedded once and
/// repeated with small changes (a few words swapped, numbers changed, noise on the vector) until the store holds N.
/// </summary>
internal static partial class BenchQuery
{
    private const string Index = "bench";
    private const int ChunksPerDocument = 1000; // big batches: one transaction writes a thousand chunks
    private const float VectorNoise = 0.015f;   // per component; a copy keeps a cosine of about 0.96 with its original
    private const string SharedEvalFolder = "../shared/eval/sec-10q";
    private const int WarmUpQueries = 100;     // per mode

    public static async Task<int> RunAsync(int chunkCount, string? folder, int queryCount, string? dataDirectory, CancellationToken ct)
    {
        if (chunkCount <= 0) throw new CliException("--chunks must be positive");
        if (queryCount <= 0) throw new CliException("--queries must be positive");
        folder ??= Directory.Exists(Path.Combine(SharedEvalFolder, "docs")) ? Path.Combine(SharedEvalFolder, "docs") : Path.Combine("data", "samples");
        folder = Path.GetFullPath(folder);
        var folderKey = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..8].ToLowerInvariant();
        // Each embedding model gets its own store: vectors of two models are never mixed.
        var model = EmbeddingModel.Find(LocalBackend.Configuration()[$"{EmbeddingOptions.Section}:Model"]) ?? EmbeddingOptions.DefaultModel;
        var scratch = dataDirectory ?? Path.Combine(Path.GetTempPath(), $"docqa-bench-query-{chunkCount}-{folderKey}-{model.Id}");

        await using var backend = new LocalBackend(scratch);
        var services = backend.Services;
        var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var store = services.GetRequiredService<IDocumentStore>() as SqliteDocumentStore
            ?? throw new CliException("bench query measures the embedded SQLite store; configure it as the store");
        var retriever = services.GetRequiredService<Retriever>();
        await embedder.GenerateAsync(["warm up the model", "and its thread pool"], cancellationToken: ct);
        Console.WriteLine($"bench query: {chunkCount} chunks from {folder}, {EmbeddingSpaces.ModelOf(embedder)}, {Environment.ProcessorCount} cores, data in {scratch}");

        // 1. The source chunks, embedded once and cached beside the store.
        var source = await LoadOrEmbedSourceAsync(services, embedder, folder, Path.Combine(scratch, $"source-{folderKey}.bin"), ct);
        if (source.Count == 0) throw new CliException($"no chunks could be extracted from {folder}");

        // 2. The store of N chunks, built unless a previous run left it complete.
        var indexes = await store.ListIndexesAsync(ct);
        var existing = indexes.FirstOrDefault(i => i.Name == Index)?.Chunks ?? 0;
        if (existing == chunkCount)
            Console.WriteLine($"store                reused ({existing} chunks)");
        else
        {
            if (existing > 0) await store.DeleteIndexAsync(Index, ct);
            var build = Stopwatch.StartNew();
            await BuildAsync(store, source, chunkCount, ct);
            Console.WriteLine($"store                built {chunkCount} chunks from {source.Count} source chunks in {build.Elapsed.TotalSeconds:0.0} s " +
                $"({chunkCount / build.Elapsed.TotalSeconds:0} chunks/s, {ChunksPerDocument} chunks a transaction)");
        }
        var storeOptions = services.GetRequiredService<IOptions<SqliteDocumentStoreOptions>>().Value;
        Console.WriteLine(storeOptions.VectorPrecision == VectorPrecision.Int8
            ? $"vectors              int8 in memory (per-vector scale), exact float32 rescoring of the best max(top x {storeOptions.RescoreFactor}, {storeOptions.RescoreMinimum}) candidates"
            : "vectors              float32 in memory, exact scan");

        // 3. Warm-up on other queries (sentences of the chunks), so that the figures are the steady state's: .NET
        // compiles hot methods again, optimised, only after they have run for a while, on a background thread.
        var questions = LoadQuestions(source, queryCount);
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
        Console.WriteLine($"queries              {questions.Count} ({(File.Exists(Path.Combine(SharedEvalFolder, "questions.jsonl")) ? "evaluation questions" : "sentences of the chunks")}), top 5");
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

        // 7. Recall@10 of the int8 search (with its rescoring) against an exact float32 scan of the file.
        var exactClock = Stopwatch.StartNew();
        var exact = await store.ExactVectorSearchAsync(Index, queryVectors, 10, ct);
        var exactSeconds = exactClock.Elapsed.TotalSeconds;
        var found = 0;
        for (var q = 0; q < queryVectors.Count; q++)
        {
            var hits = await store.VectorSearchAsync(Index, queryVectors[q], 10, SearchFilter.None, ct);
            found += hits.Select(hit => hit.ChunkId).Intersect(exact[q]).Count();
        }
        var recall = found / (double)exact.Sum(ids => ids.Count);
        Console.WriteLine($"recall@10            {recall:0.0000} (int8 scan + exact float32 rescoring vs exact float32 scan of {queryVectors.Count} queries, scan {exactSeconds:0.0} s)");

        // 8. Memory: the peak includes building the store, when one was built.
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var peak = process.PeakWorkingSet64;
        var gc = GC.GetGCMemoryInfo();
        Console.WriteLine($"peak working set     {peak / (1024 * 1024)} MiB (now {process.WorkingSet64 / (1024 * 1024)} MiB)");
        Console.WriteLine($"managed heap         {GC.GetTotalMemory(false) / (1024 * 1024)} MiB live, {gc.TotalCommittedBytes / (1024 * 1024)} MiB committed, " +
            $"{gc.HeapSizeBytes / (1024 * 1024)} MiB heap at last GC, {GC.CollectionCount(2)} gen2 collections");

        // 9. The targets: p95 of hybrid with embedding, 25 ms at 100k and 150 ms at 1M; peak under 1.2 GB at 1M.
        var p95 = EvalMetrics.Percentile(hybridTimes, 95);
        var latencyTarget = chunkCount <= 100_000 ? 25.0 : 150.0;
        Console.WriteLine(Verdict($"hybrid p95 <= {latencyTarget:0} ms", p95 <= latencyTarget, $"{p95:0.0} ms", p95 / latencyTarget));
        Console.WriteLine(Verdict("recall@10 >= 0.99", recall >= 0.99, $"{recall:0.0000}", 0.99 / Math.Max(recall, 1e-9)));
        const double memoryTarget = 1.2 * 1000 * 1000 * 1000;
        Console.WriteLine(Verdict("peak memory < 1.2 GB" + (chunkCount < 1_000_000 ? " (the target is set at 1M chunks)" : ""),
            peak < memoryTarget, $"{peak / 1e9:0.00} GB", peak / memoryTarget));
        return 0;
    }

    private static string Verdict(string target, bool met, string measured, double ratio) =>
        met ? $"target {target,-28} met ({measured})" : $"target {target,-28} NOT met ({measured}, {ratio:0.00}x the target)";

    private static string Percentiles(List<double> times) =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {EvalMetrics.Percentile(times, 50),6:0.0} ms  p95 {EvalMetrics.Percentile(times, 95),6:0.0} ms  p99 {EvalMetrics.Percentile(times, 99),6:0.0} ms");

    private sealed record SourceChunk(string Text, string? Heading, int Page, int PageEnd, float[] Vector);

    /// <summary>Extracts, chunks and embeds the folder once; later runs read the texts and vectors from the cache file.</summary>
    private static async Task<List<SourceChunk>> LoadOrEmbedSourceAsync(IServiceProvider services,
        IEmbeddingGenerator<string, Embedding<float>> embedder, string folder, string cachePath, CancellationToken ct)
    {
        if (File.Exists(cachePath))
        {
            using var reader = new BinaryReader(File.OpenRead(cachePath), Encoding.UTF8);
            var cached = new List<SourceChunk>();
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var text = reader.ReadString();
                var heading = reader.ReadBoolean() ? reader.ReadString() : null;
                var page = reader.ReadInt32();
                var pageEnd = reader.ReadInt32();
                var vector = new float[reader.ReadInt32()];
                for (var j = 0; j < vector.Length; j++) vector[j] = reader.ReadSingle();
                cached.Add(new SourceChunk(text, heading, page, pageEnd, vector));
            }
            Console.WriteLine($"source chunks        {cached.Count}, read from the cache");
            return cached;
        }

        var extractor = services.GetRequiredService<IDocumentExtractor>();
        var chunker = services.GetRequiredService<Chunker>();
        var batchSize = services.GetRequiredService<IOptions<IngestionOptions>>().Value.EmbeddingBatchSize;
        var clock = Stopwatch.StartNew();
        var chunks = new List<Chunk>();
        foreach (var file in IngestCommand.ExpandPaths([folder], out _))
        {
            var bytes = await File.ReadAllBytesAsync(file, ct);
            var type = extractor.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, 8192)), file);
            if (type is null) continue;
            try
            {
                chunks.AddRange(chunker.Split(extractor.Extract(new MemoryStream(bytes), type, ct), ct, Path.GetFileNameWithoutExtension(file)));
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

        Directory.CreateDirectory(Path.GetDirectoryName(cachePath)!);
        using (var writer = new BinaryWriter(File.Create(cachePath), Encoding.UTF8))
        {
            writer.Write(source.Count);
            foreach (var chunk in source)
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
        Console.WriteLine($"source chunks        {source.Count}, extracted and embedded in {clock.Elapsed.TotalSeconds:0.0} s (cached for later runs)");
        return source;
    }

    /// <summary>Writes N chunks: the source chunks first as they are, then perturbed copies of them, a thousand a document.</summary>
    private static async Task BuildAsync(IDocumentStore store, List<SourceChunk> source, int chunkCount, CancellationToken ct)
    {
        var random = new Random(12345);
        var now = DateTimeOffset.UtcNow;
        var progress = Stopwatch.StartNew();
        for (int start = 0, document = 0; start < chunkCount; start += ChunksPerDocument, document++)
        {
            var id = $"synthetic-{document:D5}";
            var chunks = new List<StoredChunk>(ChunksPerDocument);
            for (var n = start; n < Math.Min(chunkCount, start + ChunksPerDocument); n++)
            {
                var original = source[n % source.Count];
                var copy = n / source.Count;
                var text = copy == 0 ? original.Text : Perturb(original.Text, random);
                // The suffix makes every row's text its own, so the keyword index holds N distinct rows.
                chunks.Add(new StoredChunk($"{id}#{n - start}", n - start, $"{text} [ref {n}]", original.Heading,
                    original.Page, original.PageEnd, copy == 0 ? original.Vector : Noisy(original.Vector, random)));
            }
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
            if (progress.Elapsed.TotalSeconds >= 30)
            {
                Console.WriteLine($"  ... {start + chunks.Count} chunks written");
                progress.Restart();
            }
        }
    }

    /// <summary>A few neighbouring words swapped and the digits of a few numbers changed.</summary>
    private static string Perturb(string text, Random random)
    {
        var words = text.Split(' ');
        for (var swaps = 0; swaps < 3 && words.Length > 3; swaps++)
        {
            var i = random.Next(words.Length - 1);
            (words[i], words[i + 1]) = (words[i + 1], words[i]);
        }
        var changed = 0;
        for (var i = 0; i < words.Length && changed < 3; i++)
        {
            if (!Number().IsMatch(words[i]) || random.Next(3) != 0) continue;
            words[i] = Number().Replace(words[i], m => random.Next((int)Math.Pow(10, Math.Min(m.Length, 6))).ToString(CultureInfo.InvariantCulture));
            changed++;
        }
        return string.Join(' ', words);
    }

    /// <summary>The vector plus small gaussian noise, back to unit length.</summary>
    private static float[] Noisy(float[] vector, Random random)
    {
        var noisy = new float[vector.Length];
        for (var i = 0; i < noisy.Length; i++)
        {
            // Box–Muller: two uniforms give one standard normal.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            noisy[i] = vector[i] + VectorNoise * (float)gaussian;
        }
        TensorPrimitives.Divide(noisy, TensorPrimitives.Norm(noisy), noisy);
        return noisy;
    }

    /// <summary>The evaluation questions when they are there; else a sentence from each of a spread of chunks.</summary>
    private static List<string> LoadQuestions(List<SourceChunk> source, int count)
    {
        var questions = new List<string>();
        var path = Path.Combine(SharedEvalFolder, "questions.jsonl");
        if (File.Exists(path))
            foreach (var line in File.ReadLines(path))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                using var json = JsonDocument.Parse(line);
                if (json.RootElement.TryGetProperty("question", out var question) && question.GetString() is { Length: > 0 } text)
                    questions.Add(text);
            }
        if (questions.Count == 0) questions = SentenceQueries(source, count, seed: 7);
        // Repeat the list when it is shorter than asked: each query is timed once per pass.
        var all = new List<string>(count);
        for (var i = 0; questions.Count > 0 && all.Count < count; i++) all.Add(questions[i % questions.Count]);
        return all;
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

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Number();
}
