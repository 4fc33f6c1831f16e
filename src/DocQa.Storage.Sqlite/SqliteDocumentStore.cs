using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DocQa.Storage.Sqlite;

/// <summary>
/// The embedded store: document records, chunks and their vectors in one SQLite file; searches run in memory on a
/// matrix of the chunk vectors for cosine search (int8 by default, its best candidates rescored exactly from the
/// float32 vectors in the file) and an inverted index for BM25. The file belongs to one process: both are built at
/// open and kept in step with this instance's own writes.
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore, IDisposable
{
    private const string DocumentColumns =
        "index_name, id, file_name, content_type, size_bytes, sha256, tags, status, error, " +
        "pages, pages_without_text, chunks, attempts, created_at, updated_at, embedding_model, metadata";

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

    public SqliteDocumentStore(string databasePath, ILogger<SqliteDocumentStore>? logger = null)
        : this(databasePath, new SqliteDocumentStoreOptions(), logger)
    {
    }

    public SqliteDocumentStore(string databasePath, SqliteDocumentStoreOptions options, ILogger<SqliteDocumentStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
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
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        }.ToString();

        var watch = Stopwatch.StartNew();
        try
        {
            using var connection = Open();
            Schema.Ensure(connection);
            LoadSearchState(connection);
        }
        catch
        {
            ClearPool();
            throw;
        }

        // Loading streams every row through short-lived buffers and grows the indexes as it goes; on a large store
        // that leaves hundreds of megabytes of garbage the GC would keep committed for a long time. One compacting
        // collection, once, gives it back (at 1M chunks the working set fell from 910 to 640 MiB).
        var loaded = _indexes.Values.Sum(state => (long)state.Vectors.Count);
        if (loaded >= CompactAfterLoadingChunks)
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        _logger.LogInformation(
            "Opened {Path} (schema {Version}): {Indexes} indexes, {Vectors} vectors loaded in {Elapsed} ms",
            DatabasePath, Schema.Version, _indexes.Count, _indexes.Values.Sum(state => state.Vectors.Count), watch.ElapsedMilliseconds);
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>The schema version this build writes (PRAGMA user_version).</summary>
    public static int SchemaVersion => Schema.Version;

    // --- Indexes and document records ---

    public Task<IReadOnlyList<IndexSummary>> ListIndexesAsync(CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT d.index_name, d.documents, COALESCE(c.chunks, 0)
                FROM (SELECT index_name, COUNT(*) AS documents FROM documents GROUP BY index_name) AS d
                LEFT JOIN (SELECT index_name, COUNT(*) AS chunks FROM chunks GROUP BY index_name) AS c
                    ON c.index_name = d.index_name
                """;
            var counts = new List<(string Name, int Documents, int Chunks)>();
            using (var reader = command.ExecuteReader())
                while (reader.Read())
                    counts.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));

            using var models = connection.CreateCommand();
            models.CommandText = """
                SELECT d.index_name, COALESCE(d.embedding_model, $legacy), COUNT(*) FROM documents AS d
                WHERE d.status = 'ready' AND EXISTS (SELECT 1 FROM chunks AS c WHERE c.index_name = d.index_name AND c.document_id = d.id)
                GROUP BY 1, 2
                """;
            models.Parameters.AddWithValue("$legacy", EmbeddingSpaces.LegacyModel);
            var byModel = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
            using (var reader = models.ExecuteReader())
                while (reader.Read())
                {
                    if (!byModel.TryGetValue(reader.GetString(0), out var perModel))
                        byModel[reader.GetString(0)] = perModel = new Dictionary<string, int>(StringComparer.Ordinal);
                    perModel[reader.GetString(1)] = reader.GetInt32(2);
                }

            var indexes = counts.Select(c => new IndexSummary(c.Name, c.Documents, c.Chunks)
            {
                DocumentsByEmbeddingModel = byModel.GetValueOrDefault(c.Name) ?? new Dictionary<string, int>(),
            }).ToList();

            if (!indexes.Exists(index => index.Name == IndexNames.Default))
                indexes.Add(new IndexSummary(IndexNames.Default, 0, 0));
            indexes.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return (IReadOnlyList<IndexSummary>)indexes;
        }, cancellationToken);

    public Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(string index, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {DocumentColumns} FROM documents WHERE index_name = $index ORDER BY created_at, id";
            command.Parameters.AddWithValue("$index", index);
            return (IReadOnlyList<DocumentRecord>)ReadRecords(command);
        }, cancellationToken);

    public Task<DocumentRecord?> GetDocumentAsync(string index, string id, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {DocumentColumns} FROM documents WHERE index_name = $index AND id = $id";
            command.Parameters.AddWithValue("$index", index);
            command.Parameters.AddWithValue("$id", id);
            return ReadRecords(command).FirstOrDefault();
        }, cancellationToken);

    public async Task SaveDocumentAsync(DocumentRecord record, CancellationToken cancellationToken = default)
    {
        ValidateRecord(record);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            Upsert(connection, transaction, record);
            CommitAndApply(connection, transaction, () => StateOf(record.Index).Remember(record));
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<bool> DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            DeleteChunks(connection, transaction, index, id);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM documents WHERE index_name = $index AND id = $id";
            command.Parameters.AddWithValue("$index", index);
            command.Parameters.AddWithValue("$id", id);
            var deleted = command.ExecuteNonQuery() > 0;

            CommitAndApply(connection, transaction, () =>
            {
                if (!_indexes.TryGetValue(index, out var state)) return;
                state.Vectors.RemoveDocument(id);
                state.Keywords.RemoveDocument(id);
                state.Tags.Remove(id);
                state.Models.Remove(id);
                state.Metadata.Remove(id);
                if (state.Tags.Count == 0) _indexes.Remove(index);
            });
            return deleted;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task DeleteIndexAsync(string index, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                DELETE FROM chunks WHERE index_name = $index;
                DELETE FROM documents WHERE index_name = $index;
                """;
            command.Parameters.AddWithValue("$index", index);
            command.ExecuteNonQuery();
            CommitAndApply(connection, transaction, () => _indexes.Remove(index));
        }
        finally
        {
            _writeGate.Release();
        }
    }

    // --- The ingestion queue ---

    public async Task<DocumentRecord?> ClaimNextQueuedAsync(IReadOnlyCollection<string>? skipIndexes = null, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One statement, so the pick and the status change are atomic even against another process.
            using var connection = Open();
            using var command = connection.CreateCommand();
            var skipped = (skipIndexes ?? []).Select((index, i) =>
            {
                command.Parameters.AddWithValue($"$skip{i}", index);
                return $"$skip{i}";
            }).ToList();
            var skip = skipped.Count == 0 ? "" : $"AND index_name NOT IN ({string.Join(", ", skipped)})";
            command.CommandText = $"""
                UPDATE documents SET status = 'processing', attempts = attempts + 1, updated_at = $now
                WHERE rowid = (SELECT rowid FROM documents WHERE status = 'queued' {skip} ORDER BY queue_seq LIMIT 1)
                RETURNING {DocumentColumns}
                """;
            command.Parameters.AddWithValue("$now", FormatTime(_options.TimeProvider.GetUtcNow()));
            return ReadRecords(command).FirstOrDefault();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public Task<int> CountQueuedAsync(CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM documents WHERE status = 'queued'";
            return Convert.ToInt32(command.ExecuteScalar());
        }, cancellationToken);

    public async Task<int> RequeueInterruptedAsync(CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // queue_seq is kept: interrupted documents were claimed first, so they go back to the front.
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE documents SET status = 'queued', updated_at = $now WHERE status = 'processing'";
            command.Parameters.AddWithValue("$now", FormatTime(_options.TimeProvider.GetUtcNow()));
            return command.ExecuteNonQuery();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task CompleteDocumentAsync(DocumentRecord record, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken = default)
    {
        ValidateRecord(record);
        ArgumentNullException.ThrowIfNull(chunks);
        var dimension = ValidateVectors(chunks);
        // Terms are worked out before any lock: searches wait only for the postings to be appended.
        var analyzed = chunks.Select(chunk => KeywordIndex.Analyze(chunk.Text, chunk.Heading, _options.HeadingWeight)).ToList();

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Checked before writing: a vector size the matrix cannot take must not get as far as the file.
            CheckDimension(record.Index, record.Id, dimension);

            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            Upsert(connection, transaction, record);
            DeleteChunks(connection, transaction, record.Index, record.Id);
            var rowIds = InsertChunks(connection, transaction, record, chunks, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            CommitAndApply(connection, transaction, () =>
            {
                var state = StateOf(record.Index);
                state.Vectors.RemoveDocument(record.Id);
                state.Keywords.RemoveDocument(record.Id);
                for (var i = 0; i < chunks.Count; i++)
                {
                    state.Vectors.Add(record.Id, rowIds[i], chunks[i].Vector.Span);
                    state.Keywords.Add(record.Id, rowIds[i], analyzed[i]);
                }
                state.Remember(record);
            });
        }
        finally
        {
            _writeGate.Release();
        }
    }

    // --- Search ---

    public Task<IReadOnlyList<Passage>> VectorSearchAsync(string index, ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default) =>
        Run(() => VectorSearch(index, query.Span, top, filter), cancellationToken);

    public Task<IReadOnlyList<Passage>> KeywordSearchAsync(string index, string query, int top, SearchFilter filter, CancellationToken cancellationToken = default) =>
        Run(() => KeywordSearch(index, query, top, filter), cancellationToken);

    public Task<IReadOnlyList<Passage>> OpeningPassagesAsync(string index, string documentId, int count, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            if (count <= 0) return (IReadOnlyList<Passage>)[];
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT c.chunk_id, c.document_id, d.file_name, c.ordinal, c.page, c.page_end, c.heading, c.text
                FROM chunks AS c
                JOIN documents AS d ON d.index_name = c.index_name AND d.id = c.document_id
                WHERE c.index_name = $index AND c.document_id = $id
                ORDER BY c.ordinal
                LIMIT $count
                """;
            command.Parameters.AddWithValue("$index", index);
            command.Parameters.AddWithValue("$id", documentId);
            command.Parameters.AddWithValue("$count", count);
            var passages = new List<Passage>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) passages.Add(ReadPassage(reader, 0, score: 0));
            return (IReadOnlyList<Passage>)passages;
        }, cancellationToken);

    public Task<IReadOnlyList<StoredChunk>> ChunksOfAsync(string index, string documentId, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT chunk_id, ordinal, text, heading, page, page_end, lead_length
                FROM chunks WHERE index_name = $index AND document_id = $id
                ORDER BY ordinal
                """;
            command.Parameters.AddWithValue("$index", index);
            command.Parameters.AddWithValue("$id", documentId);
            var chunks = new List<StoredChunk>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
                chunks.Add(new StoredChunk(reader.GetString(0), reader.GetInt32(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4), reader.GetInt32(5), ReadOnlyMemory<float>.Empty)
                {
                    LeadLength = reader.GetInt32(6),
                });
            return (IReadOnlyList<StoredChunk>)chunks;
        }, cancellationToken);

    private IReadOnlyList<Passage> VectorSearch(string index, ReadOnlySpan<float> query, int top, SearchFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (top <= 0) return [];

        _searchLock.EnterReadLock();
        try
        {
            if (!_indexes.TryGetValue(index, out var state) || state.Vectors.Count == 0) return [];
            var allowed = filter.IsEmpty ? null : AllowedDocuments(state, filter);
            if (allowed is { Count: 0 }) return [];

            // Quantized scores are estimates: take more candidates than asked and rescore them exactly.
            var candidates = state.Vectors.IsExact ? top : Math.Max(top * Math.Max(1, _options.RescoreFactor), Math.Max(top, _options.RescoreMinimum));
            var hits = state.Vectors.Search(query, candidates, allowed);
            if (hits.Count == 0) return [];

            using var connection = Open();
            if (!state.Vectors.IsExact) hits = Rescore(connection, hits, query, top);
            return ReadPassages(connection, hits);
        }
        finally
        {
            _searchLock.ExitReadLock();
        }
    }

    /// <summary>Text and metadata of the winners, in one query, in the winners' order and with their scores.</summary>
    private static List<Passage> ReadPassages(SqliteConnection connection, IReadOnlyList<(long ChunkRowId, float Score)> hits)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.id, c.chunk_id, c.document_id, d.file_name, c.ordinal, c.page, c.page_end, c.heading, c.text
            FROM chunks AS c
            JOIN documents AS d ON d.index_name = c.index_name AND d.id = c.document_id
            WHERE c.id IN (SELECT value FROM json_each($ids))
            """;
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(hits.Select(hit => hit.ChunkRowId)));
        var rows = new Dictionary<long, Passage>();
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                rows[reader.GetInt64(0)] = ReadPassage(reader, 1, score: 0);

        var passages = new List<Passage>(hits.Count);
        foreach (var (rowId, score) in hits)
            if (rows.TryGetValue(rowId, out var passage)) passages.Add(passage with { Score = score });
        return passages;
    }

    /// <summary>
    /// The exact top of the candidates: their float32 vectors are read from the file (one query) and scored by dot
    /// product. Runs under the search lock, so the file holds exactly the rows the matrix knows.
    /// </summary>
    private static IReadOnlyList<(long ChunkRowId, float Score)> Rescore(
        SqliteConnection connection, IReadOnlyList<(long ChunkRowId, float Score)> candidates, ReadOnlySpan<float> query, int top)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT chunk_rowid, vector FROM chunk_vectors WHERE chunk_rowid IN (SELECT value FROM json_each($ids))";
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(candidates.Select(hit => hit.ChunkRowId)));
        var exact = new Dictionary<long, float>(candidates.Count);
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                exact[reader.GetInt64(0)] = ExactDot((byte[])reader.GetValue(1), query);

        // Candidate order breaks ties, as it does for an exact scan (earlier rows first).
        var rescored = new List<(long ChunkRowId, float Score, int Order)>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
            if (exact.TryGetValue(candidates[i].ChunkRowId, out var score)) rescored.Add((candidates[i].ChunkRowId, score, i));
        rescored.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Order.CompareTo(b.Order));
        return rescored.Take(top).Select(hit => (hit.ChunkRowId, hit.Score)).ToList();
    }

    private static float ExactDot(byte[] blob, ReadOnlySpan<float> query)
    {
        if (blob.Length != query.Length * sizeof(float))
            throw new InvalidDataException($"A stored vector has {blob.Length} bytes; the query has {query.Length} dimensions.");
        return BitConverter.IsLittleEndian
            ? TensorPrimitives.Dot(MemoryMarshal.Cast<byte, float>(blob), query)
            : TensorPrimitives.Dot(VectorBlob.FromBytes(blob), query);
    }

    /// <summary>
    /// The exact top chunk ids of each query by a scan of the float32 vectors in the file: slow, for measuring the
    /// recall of the in-memory search. Rows are read once for all the queries.
    /// </summary>
    public Task<IReadOnlyList<IReadOnlyList<string>>> ExactVectorSearchAsync(string index, IReadOnlyList<ReadOnlyMemory<float>> queries, int top, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            ArgumentNullException.ThrowIfNull(queries);
            var best = queries.Select(_ => new PriorityQueue<string, (float Score, long Row)>(top + 1, ScoreThenEarlierRow.Instance)).ToArray();
            var batch = new List<(long Row, string ChunkId, float[] Vector)>(4096);
            void Score()
            {
                Parallel.For(0, queries.Count, q =>
                {
                    var heap = best[q];
                    var query = queries[q].Span;
                    foreach (var (row, chunkId, vector) in batch)
                    {
                        var key = (TensorPrimitives.Dot(vector, query), row);
                        if (heap.Count < top) heap.Enqueue(chunkId, key);
                        else if (heap.TryPeek(out _, out var weakest) && ScoreThenEarlierRow.Instance.Compare(key, weakest) > 0) heap.DequeueEnqueue(chunkId, key);
                    }
                });
                batch.Clear();
            }

            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT c.id, c.chunk_id, v.vector
                FROM chunks AS c JOIN chunk_vectors AS v ON v.chunk_rowid = c.id
                WHERE c.index_name = $index ORDER BY c.id
                """;
            command.Parameters.AddWithValue("$index", index);
            using (var reader = command.ExecuteReader())
                while (reader.Read())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    batch.Add((reader.GetInt64(0), reader.GetString(1), VectorBlob.FromBytes((byte[])reader.GetValue(2))));
                    if (batch.Count == batch.Capacity) Score();
                }
            Score();

            return (IReadOnlyList<IReadOnlyList<string>>)best.Select(heap =>
            {
                var ids = new string[heap.Count];
                for (var i = ids.Length - 1; i >= 0; i--) ids[i] = heap.Dequeue();
                return (IReadOnlyList<string>)ids;
            }).ToList();
        }, cancellationToken);

    /// <summary>Orders (score, row) so that the weaker comes first: lower score, or the later row on a tie.</summary>
    private sealed class ScoreThenEarlierRow : IComparer<(float Score, long Row)>
    {
        public static readonly ScoreThenEarlierRow Instance = new();

        public int Compare((float Score, long Row) x, (float Score, long Row) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Row.CompareTo(x.Row);
    }

    private IReadOnlyList<Passage> KeywordSearch(string index, string query, int top, SearchFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var terms = KeywordAnalyzer.QueryTerms(query);
        if (top <= 0 || terms.Count == 0) return [];

        _searchLock.EnterReadLock();
        try
        {
            if (!_indexes.TryGetValue(index, out var state) || state.Keywords.Count == 0) return [];
            var allowed = filter.IsEmpty ? null : AllowedDocuments(state, filter);
            if (allowed is { Count: 0 }) return [];

            var hits = state.Keywords.Search(terms, top, allowed);
            if (hits.Count == 0) return [];
            using var connection = Open();
            return ReadPassages(connection, hits);
        }
        finally
        {
            _searchLock.ExitReadLock();
        }
    }

    // --- Writing ---

    private static void Upsert(SqliteConnection connection, SqliteTransaction transaction, DocumentRecord record)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // Not INSERT OR REPLACE: that deletes the row first, which would cascade to the chunks.
        // A document entering the queue takes the next queue number; one already queued keeps its place.
        command.CommandText = $"""
            INSERT INTO documents ({DocumentColumns}, queue_seq)
            VALUES ($index, $id, $file_name, $content_type, $size_bytes, $sha256, $tags, $status, $error,
                    $pages, $pages_without_text, $chunks, $attempts, $created_at, $updated_at, $embedding_model, $metadata,
                    (SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM documents))
            ON CONFLICT (index_name, id) DO UPDATE SET
                file_name = excluded.file_name, content_type = excluded.content_type, size_bytes = excluded.size_bytes,
                sha256 = excluded.sha256, tags = excluded.tags, status = excluded.status, error = excluded.error,
                pages = excluded.pages, pages_without_text = excluded.pages_without_text, chunks = excluded.chunks,
                attempts = excluded.attempts, created_at = excluded.created_at, updated_at = excluded.updated_at,
                -- A record saved without a model (a re-upload waiting in the queue) leaves the model of the chunks still there.
                embedding_model = COALESCE(excluded.embedding_model, documents.embedding_model),
                metadata = excluded.metadata,
                queue_seq = CASE WHEN excluded.status = 'queued' AND documents.status <> 'queued'
                                 THEN excluded.queue_seq ELSE documents.queue_seq END
            """;
        var p = command.Parameters;
        p.AddWithValue("$index", record.Index);
        p.AddWithValue("$id", record.Id);
        p.AddWithValue("$file_name", record.FileName);
        p.AddWithValue("$content_type", record.ContentType);
        p.AddWithValue("$size_bytes", record.SizeBytes);
        p.AddWithValue("$sha256", record.Sha256);
        p.AddWithValue("$tags", JsonSerializer.Serialize(record.Tags));
        p.AddWithValue("$status", FormatStatus(record.Status));
        p.AddWithValue("$error", (object?)record.Error ?? DBNull.Value);
        p.AddWithValue("$pages", record.Pages);
        p.AddWithValue("$pages_without_text", record.PagesWithoutText);
        p.AddWithValue("$chunks", record.Chunks);
        p.AddWithValue("$attempts", record.Attempts);
        p.AddWithValue("$created_at", FormatTime(record.CreatedAt));
        p.AddWithValue("$updated_at", FormatTime(record.UpdatedAt));
        p.AddWithValue("$embedding_model", (object?)record.EmbeddingModel ?? DBNull.Value);
        p.AddWithValue("$metadata", JsonSerializer.Serialize(record.Metadata));
        command.ExecuteNonQuery();
    }

    private static void DeleteChunks(SqliteConnection connection, SqliteTransaction transaction, string index, string documentId)
    {
        // The foreign key removes each chunk's vector in the same transaction.
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM chunks WHERE index_name = $index AND document_id = $document_id";
        command.Parameters.AddWithValue("$index", index);
        command.Parameters.AddWithValue("$document_id", documentId);
        command.ExecuteNonQuery();
    }

    private static long[] InsertChunks(SqliteConnection connection, SqliteTransaction transaction, DocumentRecord record,
        IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO chunks (chunk_id, index_name, document_id, ordinal, text, heading, page, page_end, lead_length)
            VALUES ($chunk_id, $index, $document_id, $ordinal, $text, $heading, $page, $page_end, $lead_length)
            RETURNING id
            """;
        var chunkId = command.Parameters.Add("$chunk_id", SqliteType.Text);
        command.Parameters.AddWithValue("$index", record.Index);
        command.Parameters.AddWithValue("$document_id", record.Id);
        var ordinal = command.Parameters.Add("$ordinal", SqliteType.Integer);
        var text = command.Parameters.Add("$text", SqliteType.Text);
        var heading = command.Parameters.Add("$heading", SqliteType.Text);
        var page = command.Parameters.Add("$page", SqliteType.Integer);
        var pageEnd = command.Parameters.Add("$page_end", SqliteType.Integer);
        var leadLength = command.Parameters.Add("$lead_length", SqliteType.Integer);

        using var vectorCommand = connection.CreateCommand();
        vectorCommand.Transaction = transaction;
        vectorCommand.CommandText = "INSERT INTO chunk_vectors (chunk_rowid, vector) VALUES ($chunk_rowid, $vector)";
        var chunkRowId = vectorCommand.Parameters.Add("$chunk_rowid", SqliteType.Integer);
        var vector = vectorCommand.Parameters.Add("$vector", SqliteType.Blob);

        var rowIds = new long[chunks.Count];
        for (var i = 0; i < chunks.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = chunks[i];
            chunkId.Value = chunk.ChunkId;
            ordinal.Value = chunk.Ordinal;
            text.Value = (object?)chunk.Text ?? DBNull.Value; // a null breaks the NOT NULL constraint and rolls back
            heading.Value = (object?)chunk.Heading ?? DBNull.Value;
            page.Value = chunk.Page;
            pageEnd.Value = chunk.PageEnd;
            leadLength.Value = chunk.LeadLength;
            rowIds[i] = (long)command.ExecuteScalar()!;
            chunkRowId.Value = rowIds[i];
            vector.Value = VectorBlob.ToBytes(chunk.Vector.Span);
            vectorCommand.ExecuteNonQuery();
        }
        return rowIds;
    }

    /// <summary>Commits, then applies the in-memory change, both while searches are held off.</summary>
    private void CommitAndApply(SqliteConnection connection, SqliteTransaction transaction, Action apply)
    {
        _searchLock.EnterWriteLock();
        try
        {
            transaction.Commit();
            try
            {
                apply();
            }
            catch (Exception exception)
            {
                // The file holds the truth; rebuild memory from it rather than search a half-applied state.
                _logger.LogError(exception, "Updating the in-memory search state failed; reloading it from {Path}", DatabasePath);
                _indexes.Clear();
                LoadSearchState(connection);
                throw;
            }
        }
        finally
        {
            _searchLock.ExitWriteLock();
        }
    }

    // --- In-memory search state ---

    private sealed class IndexState(VectorPrecision precision)
    {
        public VectorMatrix Vectors { get; } = new(precision);

        public KeywordIndex Keywords { get; } = new();

        /// <summary>Tags of every document in the index, so a filter becomes a set of documents without a query.</summary>
        public Dictionary<string, IReadOnlyDictionary<string, string>> Tags { get; } = new(StringComparer.Ordinal);

        /// <summary>The embedding model of each document's vectors (null before it has any), for the same reason.</summary>
        public Dictionary<string, string?> Models { get; } = new(StringComparer.Ordinal);

        /// <summary>The metadata of each document as filters see it (derived, overridden by tags), for the same reason.</summary>
        public Dictionary<string, IReadOnlyDictionary<string, string>> Metadata { get; } = new(StringComparer.Ordinal);

        public void Remember(DocumentRecord record)
        {
            Tags[record.Id] = CopyTags(record.Tags);
            Metadata[record.Id] = CopyTags(DocumentMetadata.Of(record));
            // Saved without a model, a record keeps the model of the chunks it still has (see Upsert).
            if (record.EmbeddingModel is not null || !Models.ContainsKey(record.Id)) Models[record.Id] = record.EmbeddingModel;
        }
    }

    private IndexState StateOf(string index)
    {
        if (!_indexes.TryGetValue(index, out var state)) _indexes[index] = state = new IndexState(_options.VectorPrecision);
        return state;
    }

    private void LoadSearchState(SqliteConnection connection)
    {
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT index_name, id, tags, embedding_model, metadata FROM documents";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var state = StateOf(reader.GetString(0));
                var tags = ParseTags(reader.GetString(2));
                state.Tags[reader.GetString(1)] = tags;
                state.Models[reader.GetString(1)] = reader.IsDBNull(3) ? null : reader.GetString(3);
                state.Metadata[reader.GetString(1)] = CopyTags(DocumentMetadata.Of(ParseTags(reader.GetString(4)), tags));
            }
        }
        using (var command = connection.CreateCommand())
        {
            // Room for each index's rows up front: growing by doubling while loading would hold two copies at once.
            command.CommandText = "SELECT index_name, COUNT(*) FROM chunks GROUP BY index_name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var state = StateOf(reader.GetString(0));
                state.Vectors.Reserve(reader.GetInt32(1));
                state.Keywords.Reserve(reader.GetInt32(1));
            }
        }
        LoadChunks(connection);
    }

    /// <summary>
    /// Reads every chunk once, in row order: its vector goes into the matrix at once; its text is analysed for the
    /// keyword index in batches, on every core, then added in row order, so postings come out sorted.
    /// </summary>
    private void LoadChunks(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.id, c.index_name, c.document_id, v.vector, c.text, c.heading
            FROM chunks AS c JOIN chunk_vectors AS v ON v.chunk_rowid = c.id
            ORDER BY c.id
            """;
        using var reader = command.ExecuteReader();
        // Small batches: whatever a batch holds when a collection comes is promoted, and dies old (1024 rather than
        // 4096 lowered the peak at 1M chunks by about 40 MiB and loads as fast).
        var batch = new List<(long Row, IndexState State, string Document, string Text, string? Heading)>(1024);
        var analyzed = new KeywordIndex.AnalyzedChunk[batch.Capacity];
        void AddBatch()
        {
            Parallel.For(0, batch.Count, i => analyzed[i] = KeywordIndex.Analyze(batch[i].Text, batch[i].Heading, _options.HeadingWeight));
            for (var i = 0; i < batch.Count; i++)
                batch[i].State.Keywords.Add(batch[i].Document, batch[i].Row, analyzed[i]);
            batch.Clear();
        }
        var batches = 0;
        while (reader.Read())
        {
            var row = reader.GetInt64(0);
            var state = StateOf(reader.GetString(1));
            var document = reader.GetString(2);
            // Read straight from the blob where the byte order allows: a million rows need no million float arrays.
            var blob = (byte[])reader.GetValue(3);
            var vector = BitConverter.IsLittleEndian && blob.Length % sizeof(float) == 0
                ? MemoryMarshal.Cast<byte, float>(blob)
                : VectorBlob.FromBytes(blob);
            state.Vectors.Add(document, row, vector);

            batch.Add((row, state, document, reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
            if (batch.Count < batch.Capacity) continue;
            AddBatch();
            // Posting lists outgrow their arrays again and again while loading; the old ones die old, where only a
            // full collection finds them. Collecting every quarter of a million chunks keeps that garbage from piling
            // up (at 1M chunks the peak fell by about 150 MiB, for about a second of loading).
            if (++batches % 256 == 0) GC.Collect();
        }
        AddBatch();
        foreach (var state in _indexes.Values) state.Keywords.TrimExcess();
    }

    private void CheckDimension(string index, string documentId, int? dimension)
    {
        if (dimension is null) return;
        _searchLock.EnterReadLock();
        try
        {
            if (!_indexes.TryGetValue(index, out var state)) return;
            var others = state.Vectors.Count - state.Vectors.CountOf(documentId);
            if (others > 0 && state.Vectors.Dimension != dimension)
                throw new ArgumentException(
                    $"Chunks have {dimension}-dimensional vectors; index '{index}' holds {state.Vectors.Dimension}-dimensional ones.");
        }
        finally
        {
            _searchLock.ExitReadLock();
        }
    }

    /// <summary>The model of a document's vectors; chunks stored without one are the legacy model's.</summary>
    private static string? ModelOf(IndexState state, string id) =>
        state.Models.GetValueOrDefault(id) ?? (state.Vectors.CountOf(id) > 0 ? EmbeddingSpaces.LegacyModel : null);

    private static HashSet<string> AllowedDocuments(IndexState state, SearchFilter filter)
    {
        IEnumerable<string> candidates = filter.DocumentIds.Count > 0 ? filter.DocumentIds : state.Tags.Keys;
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in candidates)
            if (state.Tags.TryGetValue(id, out var tags) && filter.Tags.All(tag => tags.TryGetValue(tag.Key, out var value) && value == tag.Value)
                && (filter.Metadata.Count == 0 || state.Metadata.TryGetValue(id, out var metadata) && DocumentMetadata.Matches(metadata, filter.Metadata))
                && (filter.EmbeddingModel is null || ModelOf(state, id) == filter.EmbeddingModel))
                allowed.Add(id);
        return allowed;
    }

    // --- Validation and mapping ---

    private static void ValidateRecord(DocumentRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrEmpty(record.Index, nameof(record));
        ArgumentException.ThrowIfNullOrEmpty(record.Id, nameof(record));
    }

    /// <summary>The common vector length of the chunks (null when there are none); vectors must be finite and alike.</summary>
    private static int? ValidateVectors(IReadOnlyList<StoredChunk> chunks)
    {
        int? dimension = null;
        foreach (var chunk in chunks)
        {
            ArgumentNullException.ThrowIfNull(chunk, nameof(chunks));
            var vector = chunk.Vector.Span;
            if (vector.IsEmpty) throw new ArgumentException($"Chunk '{chunk.ChunkId}' has no vector.", nameof(chunks));
            if (dimension is not null && vector.Length != dimension)
                throw new ArgumentException($"Chunk '{chunk.ChunkId}' has {vector.Length} dimensions, others {dimension}.", nameof(chunks));
            foreach (var value in vector)
                if (!float.IsFinite(value)) throw new ArgumentException($"Chunk '{chunk.ChunkId}' has a non-finite vector value.", nameof(chunks));
            dimension = vector.Length;
        }
        return dimension;
    }

    private static List<DocumentRecord> ReadRecords(SqliteCommand command)
    {
        var records = new List<DocumentRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            records.Add(new DocumentRecord
            {
                Index = reader.GetString(0),
                Id = reader.GetString(1),
                FileName = reader.GetString(2),
                ContentType = reader.GetString(3),
                SizeBytes = reader.GetInt64(4),
                Sha256 = reader.GetString(5),
                Tags = ParseTags(reader.GetString(6)),
                Status = ParseStatus(reader.GetString(7)),
                Error = reader.IsDBNull(8) ? null : reader.GetString(8),
                Pages = reader.GetInt32(9),
                PagesWithoutText = reader.GetInt32(10),
                Chunks = reader.GetInt32(11),
                Attempts = reader.GetInt32(12),
                CreatedAt = ParseTime(reader.GetString(13)),
                UpdatedAt = ParseTime(reader.GetString(14)),
                EmbeddingModel = reader.IsDBNull(15) ? null : reader.GetString(15),
                Metadata = ParseTags(reader.GetString(16)),
            });
        }
        return records;
    }

    /// <summary>Reads chunk_id, document_id, file_name, ordinal, page, page_end, heading, text from <paramref name="first"/> on.</summary>
    private static Passage ReadPassage(SqliteDataReader reader, int first, double score) => new(
        ChunkId: reader.GetString(first),
        DocumentId: reader.GetString(first + 1),
        FileName: reader.GetString(first + 2),
        Ordinal: reader.GetInt32(first + 3),
        Page: reader.GetInt32(first + 4),
        PageEnd: reader.GetInt32(first + 5),
        Heading: reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
        Text: reader.GetString(first + 7),
        Score: score);

    private static Dictionary<string, string> CopyTags(IReadOnlyDictionary<string, string> tags) =>
        new(tags, StringComparer.Ordinal);

    private static Dictionary<string, string> ParseTags(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];

    private static string FormatStatus(DocumentStatus status) => status switch
    {
        DocumentStatus.Queued => "queued",
        DocumentStatus.Processing => "processing",
        DocumentStatus.Ready => "ready",
        DocumentStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static DocumentStatus ParseStatus(string status) => status switch
    {
        "queued" => DocumentStatus.Queued,
        "processing" => DocumentStatus.Processing,
        "ready" => DocumentStatus.Ready,
        "failed" => DocumentStatus.Failed,
        _ => throw new InvalidDataException($"Unknown document status '{status}'."),
    };

    private static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

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
            // Fold the write-ahead log back into the file so it is one self-contained file at rest.
            using var connection = Open();
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
