using System.Numerics.Tensors;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace DocQa.Storage.Tests;

/// <summary>Int8 vectors in memory with exact rescoring against the plain float32 search.</summary>
public sealed class QuantizedSearchTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "docqa-storage-tests", Guid.NewGuid().ToString("N"));
    private readonly List<SqliteDocumentStore> _stores = [];

    [Fact]
    public void Dot_OfShiftedRows_MatchesAPlainLoop_ForEveryTailLength()
    {
        var random = new Random(3);
        foreach (var length in new[] { 1, 15, 16, 17, 31, 32, 33, 64, 100, 384 })
        {
            var a = new sbyte[length];
            var b = new sbyte[length];
            for (var i = 0; i < length; i++) { a[i] = (sbyte)random.Next(-127, 128); b[i] = (sbyte)random.Next(-127, 128); }
            var expected = 0;
            for (var i = 0; i < length; i++) expected += a[i] * b[i];
            // The rows are kept shifted by 128; the query's sum undoes the shift.
            var shifted = a.Select(code => (byte)(code + 128)).ToArray();
            Assert.Equal(expected, Int8Vectors.Dot(shifted, b, b.Sum(code => code)));
        }
    }

    [Fact]
    public void Quantize_KeepsEachComponentWithinHalfAStep()
    {
        var vector = RandomUnit(new Random(5), 384);
        var codes = new sbyte[vector.Length];
        var scale = Int8Vectors.Quantize(vector, codes);

        Assert.Equal(127, codes.Max(code => Math.Abs((int)code)));
        for (var i = 0; i < vector.Length; i++) Assert.InRange(vector[i] - codes[i] * scale, -scale / 2 - 1e-6f, scale / 2 + 1e-6f);
        Assert.Equal(0, Int8Vectors.Quantize(new float[4], new sbyte[4]));
    }

    [Fact]
    public void Int8Matrix_ScansInParallel_AndFindsTheNearRowsOfAFullSort()
    {
        // Over the parallel threshold, so the split scan and the merge of its tops are what is tested.
        var random = new Random(11);
        var rows = VectorMatrix.ParallelFromRows + 1000;
        var exact = new VectorMatrix(VectorPrecision.Float32);
        var quantized = new VectorMatrix(VectorPrecision.Int8);
        for (var i = 0; i < rows; i++)
        {
            var vector = RandomUnit(random, 32);
            exact.Add($"doc-{i % 7}", i, vector);
            quantized.Add($"doc-{i % 7}", i, vector);
        }
        var query = RandomUnit(random, 32);

        var truth = exact.Search(query, 10).Select(hit => hit.ChunkRowId).ToList();
        var candidates = quantized.Search(query, 64).Select(hit => hit.ChunkRowId).ToHashSet();

        Assert.All(truth, id => Assert.Contains(id, candidates));
        Assert.Equal(exact.Search(query, 10), exact.Search(query, 10)); // a stable order, ties included
    }

    [Fact]
    public async Task Int8Store_ReturnsTheExactTopAndScores_OfAFloat32Store()
    {
        var int8 = Open("int8.db", VectorPrecision.Int8);
        var float32 = Open("float32.db", VectorPrecision.Float32);
        var random = new Random(42);
        const int dimension = 128;
        for (var document = 0; document < 30; document++)
        {
            var chunks = Enumerable.Range(0, 100)
                .Select(i => new StoredChunk($"d{document}#{i}", i, $"chunk {i} of document {document}", null, 1, 1, RandomUnit(random, dimension)))
                .ToList();
            var record = Record($"d{document}", chunks.Count);
            await int8.CompleteDocumentAsync(record, chunks);
            await float32.CompleteDocumentAsync(record, chunks);
        }

        var queries = Enumerable.Range(0, 40).Select(_ => RandomUnit(random, dimension)).ToList();
        var found = 0;
        foreach (var query in queries)
        {
            var expected = await float32.VectorSearchAsync("test", query, 10, SearchFilter.None);
            var actual = await int8.VectorSearchAsync("test", query, 10, SearchFilter.None);
            found += actual.Select(p => p.ChunkId).Intersect(expected.Select(p => p.ChunkId)).Count();
            // Where the lists agree the scores are the exact cosines, not the quantized estimates.
            foreach (var passage in actual.Where(p => expected.Any(e => e.ChunkId == p.ChunkId)))
                Assert.Equal(expected.Single(e => e.ChunkId == passage.ChunkId).Score, passage.Score);
        }
        var recall = found / (double)(queries.Count * 10);
        Assert.True(recall >= 0.99, $"recall@10 {recall:0.000}");
    }

    [Fact]
    public async Task Int8Store_KeepsFiltersAndDeletes()
    {
        var store = Open("filters.db", VectorPrecision.Int8);
        var random = new Random(8);
        var a = RandomUnit(random, 16);
        var b = RandomUnit(random, 16);
        await store.CompleteDocumentAsync(Record("a", 1), [new StoredChunk("a#0", 0, "alpha", null, 1, 1, a)]);
        await store.CompleteDocumentAsync(Record("b", 1), [new StoredChunk("b#0", 0, "beta", null, 1, 1, b)]);

        var onlyB = await store.VectorSearchAsync("test", a, 5, new SearchFilter { DocumentIds = ["b"] });
        Assert.Equal("b#0", Assert.Single(onlyB).ChunkId);
        Assert.Equal(TensorPrimitives.Dot(a, b), (float)onlyB[0].Score);

        await store.DeleteDocumentAsync("test", "b");
        Assert.Equal("a#0", Assert.Single(await store.VectorSearchAsync("test", b, 5, SearchFilter.None)).ChunkId);
    }

    private SqliteDocumentStore Open(string name, VectorPrecision precision)
    {
        var store = new SqliteDocumentStore(Path.Combine(_folder, name), Options.Create(new SqliteDocumentStoreOptions { VectorPrecision = precision }));
        _stores.Add(store);
        return store;
    }

    private static DocumentRecord Record(string id, int chunks) => new()
    {
        Index = "test",
        Id = id,
        FileName = id + ".txt",
        ContentType = "text/plain",
        Sha256 = new string('0', 64),
        Status = DocumentStatus.Ready,
        Chunks = chunks,
    };

    private static float[] RandomUnit(Random random, int dimension)
    {
        var vector = new float[dimension];
        for (var i = 0; i < dimension; i++) vector[i] = (float)(random.NextDouble() * 2 - 1);
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    public void Dispose()
    {
        foreach (var store in _stores) store.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
