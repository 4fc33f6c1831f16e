using System.Diagnostics;
using System.Globalization;
using DocQa.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DocQa.Storage.Sqlite;

/// <summary>
/// The embedded store: document records, chunks and their vectors in one SQLite file; searches run in memory on a
/// matrix of the chunk vectors for cosine search (int8 by default, its best candidates rescored exactly from the
/// float32 vectors in the file) and an inverted index for BM25. The file belongs to one process: both are kept in
/// step with this instance's own writes, checkpointed to a file beside the database (at close, and in the background
/// as changes pile up) and read back from it at open, with the changes journaled after it replayed; without a
/// checkpoint to trust they are rebuilt from the rows.
/// </summary>
public sealed partial class SqliteDocumentStore : IDocumentStore, IDisposable
{
    private const string DocumentColumns =
        "index_name, id, file_name, content_type, size_bytes, sha256, tags, status, error, " +
        "pages, pages_without_text, chunks, attempts, created_at, updated_at, embedding_model, metadata, source_path, pages_ocr, warnings";

    // Fixed width and UTC, so comparing the text compares the instants (ORDER BY created_at).
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly string _connectionString;
    private readonly SqliteDocumentStoreOptions _options;
    private readonly ILogger _logger;

    // Writers take turns: SQLite has one writer at a time anyway, and the matrix must change in commit order.
    /// <summary>From this many chunks loaded at open, the garbage of loading is collected at once.</summary>
    private const int CompactAfterLoadingChunks = 50_000;

    private readonly SemaphoreSlim _writeGate = new(1, 1);

    // Guards the in-memory state. A vector search holds it across the scan and the fetch of its winners; a writer
    // holds it only across commit and the matrix update. So a search sees the old chunk set or the new one, never a
    // mix, and never a winner whose row was just deleted.
    private readonly ReaderWriterLockSlim _searchLock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, IndexState> _indexes = new(StringComparer.Ordinal);
    private bool _disposed;

    public SqliteDocumentStore(string databasePath, IOptions<SqliteDocumentStoreOptions>? options = null, ILogger<SqliteDocumentStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        _options = options?.Value ?? new SqliteDocumentStoreOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        DatabasePath = Path.GetFullPath(databasePath);
        var directory = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
        }.ToString();

        var watch = Stopwatch.StartNew();
        bool fromCheckpoint;
        try
        {
            using var connection = Open();
            Schema.Ensure(connection);
            fromCheckpoint = OpenedFromCheckpoint = OpenSearchState(connection);
        }
        catch
        {
            ClearPool();
            throw;
        }

        // Loading streams every row through short-lived buffers and grows the indexes as it goes; on a large store
        // that leaves hundreds of megabytes of garbage the GC would keep committed for a long time. One compacting
        // collection, once, gives it back (at 1M chunks the working set fell from 910 to 640 MiB).
        // A checkpoint is read into arrays of their final size and leaves little garbage.
        if (!fromCheckpoint && LoadedChunks >= CompactAfterLoadingChunks)
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        _logger.LogInformation(
            "Opened {Path} (schema {Version}): {Indexes} indexes, {Vectors} vectors {Origin} in {Elapsed} ms",
            DatabasePath, Schema.Version, _indexes.Count, LoadedChunks, fromCheckpoint ? "read from the checkpoint" : "loaded from the rows", watch.ElapsedMilliseconds);
    }

    /// <summary>True when the search state was read from the checkpoint at open, false when it was rebuilt from the rows.</summary>
    internal bool OpenedFromCheckpoint { get; }

    /// <summary>Journal entries (documents changed after the checkpoint) replayed at open.</summary>
    internal int ReplayedAtOpen { get; private set; }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>The schema version this build writes (PRAGMA user_version).</summary>
    public static int SchemaVersion => Schema.Version;

    // --- Connections ---

    private SqliteConnection Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Per-connection settings; pooled connections keep them, setting them again is cheap.
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA mmap_size = {_options.MemoryMapBytes};");
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Runs synchronous SQLite work and hands the outcome back as a task (Microsoft.Data.Sqlite is synchronous inside).</summary>
    private static Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
        try
        {
            return Task.FromResult(work());
        }
        catch (Exception exception)
        {
            return Task.FromException<T>(exception);
        }
    }

    private void ClearPool()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            using var connection = Open();
            CheckpointAtClose(connection);
            // Fold the write-ahead log back into the file so it is one self-contained file at rest.
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }
        catch (SqliteException exception)
        {
            _logger.LogWarning(exception, "Checkpoint of {Path} at close failed", DatabasePath);
        }
        _disposed = true;
        ClearPool();
        _writeGate.Dispose();
        _searchLock.Dispose();
    }
}
