using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace DocQa.Storage.Tests;

/// <summary>The contract on a real SQLite file in a temporary folder, plus what is particular to SQLite.</summary>
public sealed class SqliteDocumentStoreTests : DocumentStoreContract
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "docqa-storage-tests", Guid.NewGuid().ToString("N"));

    // A folder that does not exist yet: opening the store must create it.
    private string DatabasePath => Path.Combine(_folder, "data", "docqa.db");

    protected override IDocumentStore CreateStore() => Track(new SqliteDocumentStore(DatabasePath));

    protected override IDocumentStore ReopenStore(IDocumentStore store)
    {
        ((IDisposable)store).Dispose();
        return Track(new SqliteDocumentStore(DatabasePath));
    }

    public override void Dispose()
    {
        base.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Open_CreatesTheFileWithSchemaVersionAndWal()
    {
        CreateStore();

        using var connection = OpenRaw();
        Assert.Equal(SqliteDocumentStore.SchemaVersion, Scalar<long>(connection, "PRAGMA user_version"));
        Assert.Equal(6, SqliteDocumentStore.SchemaVersion);
        Assert.Equal("wal", Scalar<string>(connection, "PRAGMA journal_mode"));
        var tables = Scalar<long>(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('documents', 'chunks', 'chunk_vectors')");
        Assert.Equal(3, tables);
    }

    [Fact]
    public async Task Open_UpgradesAVersion1File_DroppingItsFullTextIndex_AndKeepsEveryChunkSearchable()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"), [Chunk("doc", 0, "lighthouse keeper logbook", Axis(0))]);
        ((IDisposable)store).Dispose();
        using (var connection = OpenRaw())
        {
            // What version 1 had on top of version 2's tables.
            Scalar<long>(connection, """
                CREATE VIRTUAL TABLE chunks_fts USING fts5 (text, heading, content = 'chunks', content_rowid = 'id');
                CREATE TRIGGER chunks_after_insert AFTER INSERT ON chunks BEGIN
                    INSERT INTO chunks_fts (rowid, text, heading) VALUES (new.id, new.text, new.heading);
                END;
                PRAGMA user_version = 1;
                SELECT 0
                """);
        }

        var upgraded = Track(new SqliteDocumentStore(DatabasePath));

        Assert.Equal("doc#0", Assert.Single(await upgraded.KeywordSearchAsync(Index, "logbook", 5, SearchFilter.None)).ChunkId);
        using var check = OpenRaw();
        Assert.Equal(6, Scalar<long>(check, "PRAGMA user_version"));
        Assert.Equal(0, Scalar<long>(check, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'chunks_fts%' OR name LIKE 'chunks_after_%'"));
    }

    [Fact]
    public async Task Open_UpgradesAVersion2File_WhoseVectorsAreAllMiniLms()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"), [Chunk("doc", 0, "lighthouse keeper logbook", Axis(0))]);
        await store.SaveDocumentAsync(Record("waiting", status: DocumentStatus.Queued));
        ((IDisposable)store).Dispose();
        using (var connection = OpenRaw())
        {
            // Version 2's tables: no model per document, no lead per chunk.
            Scalar<long>(connection, """
                ALTER TABLE documents DROP COLUMN embedding_model;
                ALTER TABLE chunks DROP COLUMN lead_length;
                PRAGMA user_version = 2;
                SELECT 0
                """);
        }

        var upgraded = Track(new SqliteDocumentStore(DatabasePath));

        Assert.Equal("all-MiniLM-L6-v2", (await upgraded.GetDocumentAsync(Index, "doc"))!.EmbeddingModel);
        Assert.Null((await upgraded.GetDocumentAsync(Index, "waiting"))!.EmbeddingModel);
        Assert.Equal("doc#0", Assert.Single(await upgraded.VectorSearchAsync(Index, Axis(0), 5,
            new SearchFilter { EmbeddingModel = "all-MiniLM-L6-v2" })).ChunkId);
        Assert.Equal(0, Assert.Single(await upgraded.ChunksOfAsync(Index, "doc")).LeadLength);
        using var check = OpenRaw();
        Assert.Equal(6, Scalar<long>(check, "PRAGMA user_version"));
    }

    [Fact]
    public async Task Open_UpgradesAVersion3File_WhoseDocumentsHaveNoSourcePath()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"), [Chunk("doc", 0, "lighthouse keeper logbook", Axis(0))]);
        ((IDisposable)store).Dispose();
        using (var connection = OpenRaw())
            Scalar<long>(connection, "DROP INDEX ix_documents_sha256; ALTER TABLE documents DROP COLUMN source_path; PRAGMA user_version = 3; SELECT 0");

        var upgraded = Track(new SqliteDocumentStore(DatabasePath));

        Assert.Null((await upgraded.GetDocumentAsync(Index, "doc"))!.SourcePath);
        Assert.Equal("doc", Assert.Single(await upgraded.FindReadyBySha256Async(Index, Record("doc").Sha256)).Id);
        await upgraded.SaveDocumentAsync(Record("synced") with { SourcePath = "/srv/shared/synced.pdf" });
        Assert.Equal("/srv/shared/synced.pdf", (await upgraded.GetDocumentAsync(Index, "synced"))!.SourcePath);
        using var check = OpenRaw();
        Assert.Equal(6, Scalar<long>(check, "PRAGMA user_version"));
    }

    [Fact]
    public void Open_RefusesAFileFromANewerVersion()
    {
        ((IDisposable)CreateStore()).Dispose();
        using (var connection = OpenRaw())
            Scalar<long>(connection, "PRAGMA user_version = 99; SELECT 0");

        var error = Assert.Throws<NotSupportedException>(() => new SqliteDocumentStore(DatabasePath));
        Assert.Contains("99", error.Message);
    }

    [Fact]
    public async Task FailedComplete_WithDuplicateChunkIds_LeavesTheOldDocumentAsItWas()
    {
        var store = CreateStore();
        var original = Record("doc") with { Chunks = 1 };
        await store.CompleteDocumentAsync(original, [Chunk("doc", 0, "original words", Axis(0))]);

        // The old chunks are deleted and the first new one inserted before the duplicate fails: all of it must roll back.
        await Assert.ThrowsAsync<SqliteException>(() => store.CompleteDocumentAsync(
            Record("doc") with { Chunks = 2, Sha256 = "new" },
            [Chunk("doc", 0, "replacement words", Axis(1), chunkId: "same"), Chunk("doc", 1, "replacement words", Axis(2), chunkId: "same")]));

        await AssertOriginalIntact(store, original);
    }

    [Fact]
    public async Task FailedComplete_WithANullTextMidway_LeavesTheOldDocumentAsItWas()
    {
        var store = CreateStore();
        var original = Record("doc") with { Chunks = 1 };
        await store.CompleteDocumentAsync(original, [Chunk("doc", 0, "original words", Axis(0))]);

        await Assert.ThrowsAsync<SqliteException>(() => store.CompleteDocumentAsync(
            Record("doc") with { Sha256 = "new" },
            [Chunk("doc", 0, "replacement words", Axis(1)), Chunk("doc", 1, null!, Axis(2))]));

        await AssertOriginalIntact(store, original);
    }

    [Fact]
    public async Task Complete_WithAnotherVectorSize_IsRefusedBeforeWriting()
    {
        var store = CreateStore();
        var original = Record("doc") with { Chunks = 1 };
        await store.CompleteDocumentAsync(original, [Chunk("doc", 0, "original words", Axis(0))]);

        await Assert.ThrowsAsync<ArgumentException>(() => store.CompleteDocumentAsync(
            Record("other"), [Chunk("other", 0, "x", Axis(0, dimension: 4))]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CompleteDocumentAsync(
            Record("doc"), [Chunk("doc", 0, "x", Axis(0)), Chunk("doc", 1, "y", Axis(0, dimension: 4))]));

        Assert.Null(await store.GetDocumentAsync(Index, "other"));
        await AssertOriginalIntact(store, original);
    }

    [Fact]
    public async Task Complete_OfTheOnlyDocument_MayChangeTheVectorSize()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"), [Chunk("doc", 0, "x", Axis(0))]);

        // Re-embedding with another model replaces every vector of the index at once.
        await store.CompleteDocumentAsync(Record("doc"), [Chunk("doc", 0, "x", Axis(3, dimension: 16))]);

        Assert.Single(await store.VectorSearchAsync(Index, Axis(3, dimension: 16), 5, SearchFilter.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.VectorSearchAsync(Index, Axis(0), 5, SearchFilter.None));
    }

    [Fact]
    public async Task KeywordSearch_WeighsTheHeadingAboveTheText_ByDefault()
    {
        var store = CreateStore();
        await AddHeadingAndTextMatches(store);

        var hits = await store.KeywordSearchAsync(Index, "invoice", 2, SearchFilter.None);

        Assert.Equal(["in-heading", "in-text"], hits.Select(hit => hit.DocumentId));
    }

    [Fact]
    public async Task KeywordSearch_WeightsAreOptions()
    {
        var store = Track(new SqliteDocumentStore(DatabasePath, Options.Create(new SqliteDocumentStoreOptions { HeadingWeight = 0 })));
        await AddHeadingAndTextMatches(store);

        var hits = await store.KeywordSearchAsync(Index, "invoice", 2, SearchFilter.None);

        Assert.Equal(["in-text"], hits.Select(hit => hit.DocumentId));
    }

    [Fact]
    public async Task KeywordSearch_RanksChunksWithTheRarerTermFirst_AndKeepsThoseWithOnlyTheCommonOne()
    {
        var store = CreateStore();
        await AddCompanyDocument(store);

        var hits = await store.KeywordSearchAsync(Index, "Acme warranty", 10, SearchFilter.None);

        Assert.Equal(3, hits.Count);
        Assert.Equal("acme#0", hits[0].ChunkId);
    }

    [Fact]
    public async Task KeywordIndex_StaysInStepWithTheChunks_AndIsRebuiltTheSameOnOpen()
    {
        var store = CreateStore();
        await AddTwoSimilarDocuments(store);
        await store.CompleteDocumentAsync(Record("first"), [Chunk("first", 0, "rewritten", Axis(1), heading: "Heading")]);
        await store.DeleteDocumentAsync(Index, "second");
        await store.CompleteDocumentAsync(Record("third", index: "other"), [Chunk("third", 0, "more", Axis(2))]);
        await store.DeleteIndexAsync("other");

        await AssertSearchable(store);
        await AssertSearchable(ReopenStore(store));

        static async Task AssertSearchable(IDocumentStore current)
        {
            Assert.Equal("first#0", Assert.Single(await current.KeywordSearchAsync(Index, "rewritten heading", 5, SearchFilter.None)).ChunkId);
            Assert.Empty(await current.KeywordSearchAsync(Index, "budget", 5, SearchFilter.None));
            Assert.Empty(await current.KeywordSearchAsync("other", "more", 5, SearchFilter.None));
        }
    }

    [Fact]
    public async Task Vectors_AreStoredAsLittleEndianFloat32()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"), [Chunk("doc", 0, "x", Mix((0, 3), (7, 4)))]);

        using var connection = OpenRaw();
        var blob = Scalar<byte[]>(connection, "SELECT vector FROM chunk_vectors");
        Assert.Equal(Dimension * sizeof(float), blob.Length);
        Assert.Equal(0.6f, System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(blob), 5);
        Assert.Equal(0.8f, System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(blob.AsSpan(7 * sizeof(float))), 5);
    }

    [Fact]
    public async Task AStoreOpenedOnAnExistingFile_SeesWhatAnotherWrote()
    {
        var first = (SqliteDocumentStore)CreateStore();
        await first.CompleteDocumentAsync(Record("doc", tags: new() { ["a"] = "b" }), [Chunk("doc", 0, "persisted text", Axis(6))]);

        // Opened while the first is still open (its WAL not yet folded back): the new store must read through it.
        var second = Track(new SqliteDocumentStore(first.DatabasePath));

        Assert.Equal("doc#0", Assert.Single(await second.VectorSearchAsync(Index, Axis(6), 1, SearchFilter.None)).ChunkId);
        Assert.Equal("doc#0", Assert.Single(await second.KeywordSearchAsync(Index, "persisted", 1, SearchFilter.None)).ChunkId);
    }

    [Fact]
    public async Task Operations_AfterDispose_Throw()
    {
        var store = CreateStore();
        ((IDisposable)store).Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ListIndexesAsync());
    }

    private static Task AddCompanyDocument(IDocumentStore store) => store.CompleteDocumentAsync(Record("acme"),
    [
        Chunk("acme", 0, "Acme warranty terms", Axis(0)),
        Chunk("acme", 1, "Acme shipping times", Axis(1)),
        Chunk("acme", 2, "Acme return policy", Axis(2)),
        Chunk("acme", 3, "Privacy notice", Axis(3)),
    ]);

    private static async Task AddHeadingAndTextMatches(IDocumentStore store)
    {
        // Same length, same single occurrence: only the column it is in differs.
        await store.CompleteDocumentAsync(Record("in-heading"), [Chunk("in-heading", 0, "payment terms net thirty days", Axis(0), heading: "Invoice rules")]);
        await store.CompleteDocumentAsync(Record("in-text"), [Chunk("in-text", 0, "invoice terms net thirty days", Axis(1), heading: "Payment rules")]);
        await store.CompleteDocumentAsync(Record("neither"), [Chunk("neither", 0, "nothing relevant here at all", Axis(2), heading: "Other rules")]);
    }

    private static async Task AssertOriginalIntact(IDocumentStore store, DocumentRecord original)
    {
        AssertSameRecord(original, await store.GetDocumentAsync(Index, original.Id));
        Assert.Equal("doc#0", Assert.Single(await store.VectorSearchAsync(Index, Axis(0), 5, SearchFilter.None)).ChunkId);
        Assert.Equal("doc#0", Assert.Single(await store.KeywordSearchAsync(Index, "original", 5, SearchFilter.None)).ChunkId);
        Assert.Empty(await store.KeywordSearchAsync(Index, "replacement", 5, SearchFilter.None));
        Assert.Equal((Index, 1, 1), Counts((await store.ListIndexesAsync()).Single(index => index.Name == Index)));
    }

    private SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)command.ExecuteScalar()!;
    }
}
