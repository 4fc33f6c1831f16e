using System.Globalization;
using System.Numerics.Tensors;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace DocQa.Storage.Tests;

/// <summary>
/// The search checkpoint beside the database: trusted only when the database vouches for it and its body checks out,
/// caught up from the journal, and in every case searching exactly as a store rebuilt from the rows does.
/// </summary>
public sealed class SearchCheckpointTests : IDisposable
{
    private const string Index = "test";
    private const int Dimension = 32;

    private static readonly string[] Words =
    [
        "revenue", "margin", "harbor", "lease", "segment", "dividend", "inventory", "warrant", "pension", "tariff",
        "backlog", "impairment", "goodwill", "freight", "royalty", "coupon", "hedge", "subsidiary", "audit", "merger",
    ];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "docqa-storage-tests", Guid.NewGuid().ToString("N"));
    private readonly List<SqliteDocumentStore> _stores = [];

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public async Task A_reopened_store_reads_its_checkpoint_and_searches_as_a_rebuild_does()
    {
        var store = Open("a.db");
        await AddDocumentsAsync(store, "doc", 12, seed: 1);
        await store.DeleteDocumentAsync(Index, "doc-3");
        store.Dispose();
        Assert.True(File.Exists(store.CheckpointPath));

        store = Open("a.db");
        Assert.True(store.OpenedFromCheckpoint);
        Assert.Equal(0, store.ReplayedAtOpen);
        var fromCheckpoint = await ResultsAsync(store);

        Assert.Equal(await RebuiltResultsAsync(store), fromCheckpoint);
    }

    [Fact]
    public async Task Changes_committed_after_the_checkpoint_are_replayed_from_the_journal()
    {
        var store = Open("a.db");
        await AddDocumentsAsync(store, "doc", 8, seed: 2);
        store.Dispose();

        // A process that dies before its next checkpoint: the chunks are committed, the checkpoint is the old one.
        var crashed = Open("a.db");
        await AddDocumentsAsync(crashed, "later", 3, seed: 3);
        await AddDocumentsAsync(crashed, "doc", 1, seed: 4);  // doc-0 written again
        await crashed.DeleteDocumentAsync(Index, "doc-5");
        await crashed.CompleteDocumentAsync(Record("other-index-doc", "other"), Chunks("other-index-doc", new Random(5)));
        await crashed.DeleteIndexAsync("other");

        var reopened = Open("a.db");
        Assert.True(reopened.OpenedFromCheckpoint);
        Assert.Equal(7, reopened.ReplayedAtOpen);
        var replayed = await ResultsAsync(reopened);
        Assert.Contains(replayed, line => line.Contains("later-1#", StringComparison.Ordinal));
        Assert.DoesNotContain(replayed, line => line.Contains("doc-5#", StringComparison.Ordinal));

        Assert.Equal(await RebuiltResultsAsync(reopened), replayed);
    }

    [Fact]
    public async Task A_checkpoint_of_another_database_is_refused()
    {
        var mine = Open("mine.db");
        await AddDocumentsAsync(mine, "mine", 6, seed: 6);
        var expected = await ResultsAsync(mine);
        mine.Dispose();
        var theirs = Open("theirs.db");
        await AddDocumentsAsync(theirs, "theirs", 6, seed: 7);
        theirs.Dispose();

        File.Copy(theirs.CheckpointPath, mine.CheckpointPath, overwrite: true);
        mine = Open("mine.db");

        Assert.False(mine.OpenedFromCheckpoint);
        Assert.Equal(expected, await ResultsAsync(mine));
    }

    [Theory]
    [InlineData("flipped byte")]
    [InlineData("torn")]
    [InlineData("stale")]
    [InlineData("not recorded")]
    public async Task A_damaged_torn_or_stale_checkpoint_is_rebuilt_from_the_rows_and_replaced(string damage)
    {
        var store = Open("a.db");
        await AddDocumentsAsync(store, "doc", 6, seed: 8);
        store.Dispose();
        var path = store.CheckpointPath;
        var old = File.ReadAllBytes(path);

        if (damage == "stale")
        {
            // The checkpoint of an earlier moment, as a copy put back or a database restored to a later one leaves.
            store = Open("a.db");
            await AddDocumentsAsync(store, "later", 2, seed: 9);
            store.Dispose();
            File.WriteAllBytes(path, old);
        }
        else if (damage == "flipped byte")
        {
            old[old.Length / 2] ^= 0x5a;
            File.WriteAllBytes(path, old);
        }
        else if (damage == "torn")
            File.WriteAllBytes(path, old[..(old.Length * 2 / 3)]);
        else
        {
            // Written, then the process died before the database recorded it.
            using var connection = new SqliteConnection($"Data Source={PathOf("a.db")};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE store_info SET value = 'another' WHERE key = 'checkpoint_token'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        store = Open("a.db");
        Assert.False(store.OpenedFromCheckpoint);
        var rebuilt = await ResultsAsync(store);
        Assert.Equal(damage == "stale" ? 8 * 6 : 6 * 6, (await store.ListIndexesAsync()).Single(i => i.Name == Index).Chunks);

        // The next close writes a fresh checkpoint, trusted at the next open.
        store.Dispose();
        store = Open("a.db");
        Assert.True(store.OpenedFromCheckpoint);
        Assert.Equal(rebuilt, await ResultsAsync(store));
    }

    [Fact]
    public async Task Chunks_another_process_wrote_are_never_hidden_by_a_checkpoint()
    {
        var store = Open("a.db");
        await AddDocumentsAsync(store, "doc", 3, seed: 12);
        // Another store on the same file (as a second process would be) writes a document this one never sees.
        var other = Open("a.db");
        await AddDocumentsAsync(other, "foreign", 1, seed: 13);
        store.Dispose();

        store = Open("a.db");
        Assert.False(store.OpenedFromCheckpoint);
        Assert.Equal(4 * 6, (await store.VectorSearchAsync(Index, RandomUnit(new Random(14)), 100, SearchFilter.None)).Count);
    }

    [Fact]
    public async Task A_small_store_keeps_no_checkpoint_and_no_journal()
    {
        var store = Open("small.db", minimumChunks: 1000);
        await AddDocumentsAsync(store, "doc", 3, seed: 10);
        store.Dispose();

        Assert.False(File.Exists(store.CheckpointPath));
        using var connection = new SqliteConnection($"Data Source={PathOf("small.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM search_journal";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
    }

    [Fact]
    public async Task Enough_changes_write_a_checkpoint_in_the_background()
    {
        var store = Open("a.db", afterChunks: 10);
        await AddDocumentsAsync(store, "doc", 3, seed: 11);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(store.CheckpointPath) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(File.Exists(store.CheckpointPath));
    }

    /// <summary>The same store opened again without its checkpoint: the state rebuilt from the rows.</summary>
    private async Task<List<string>> RebuiltResultsAsync(SqliteDocumentStore store)
    {
        var name = Path.GetFileName(store.DatabasePath);
        store.Dispose();
        File.Delete(store.CheckpointPath);
        var rebuilt = Open(name);
        Assert.False(rebuilt.OpenedFromCheckpoint);
        return await ResultsAsync(rebuilt);
    }

    /// <summary>Vector and keyword results, ids and scores, for a spread of queries, with and without a filter.</summary>
    private static async Task<List<string>> ResultsAsync(SqliteDocumentStore store)
    {
        var random = new Random(99);
        var lines = new List<string>();
        for (var q = 0; q < 6; q++)
        {
            var vector = RandomUnit(random);
            var text = $"{Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]}";
            var filter = q % 2 == 0 ? SearchFilter.None : new SearchFilter { DocumentIds = ["doc-1", "doc-2", "later-1"] };
            foreach (var hit in await store.VectorSearchAsync(Index, vector, 8, filter))
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"vector {q} {hit.ChunkId} {hit.Score:R}"));
            foreach (var hit in await store.KeywordSearchAsync(Index, text, 8, filter))
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"keyword {q} {hit.ChunkId} {hit.Score:R}"));
        }
        Assert.NotEmpty(lines);
        return lines;
    }

    private static async Task AddDocumentsAsync(SqliteDocumentStore store, string prefix, int documents, int seed)
    {
        var random = new Random(seed);
        for (var d = 0; d < documents; d++)
            await store.CompleteDocumentAsync(Record($"{prefix}-{d}"), Chunks($"{prefix}-{d}", random));
    }

    private static List<StoredChunk> Chunks(string documentId, Random random) => Enumerable.Range(0, 6)
        .Select(i => new StoredChunk($"{documentId}#{i}", i,
            string.Join(' ', Enumerable.Range(0, 10).Select(_ => Words[random.Next(Words.Length)])),
            i % 2 == 0 ? Words[random.Next(Words.Length)] : null, 1, 1, RandomUnit(random)))
        .ToList();

    private static DocumentRecord Record(string id, string index = Index) => new()
    {
        Index = index,
        Id = id,
        FileName = id + ".txt",
        ContentType = "text/plain",
        Sha256 = new string('0', 64),
        Status = DocumentStatus.Ready,
        Chunks = 6,
    };

    private static float[] RandomUnit(Random random)
    {
        var vector = new float[Dimension];
        for (var i = 0; i < Dimension; i++) vector[i] = (float)(random.NextDouble() * 2 - 1);
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    private SqliteDocumentStore Open(string name, int minimumChunks = 0, int afterChunks = 1_000_000)
    {
        var store = new SqliteDocumentStore(PathOf(name), Options.Create(new SqliteDocumentStoreOptions
        {
            CheckpointMinimumChunks = minimumChunks,
            CheckpointAfterChunks = afterChunks,
        }));
        _stores.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _stores) store.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
