using System.Buffers.Binary;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DocQa.Storage.Sqlite;

// The search checkpoint: the vector matrices and keyword indexes in a file beside the database, as of a sequence of
// the search journal, so that an open reads them in one pass and replays only the documents changed after it.
//
// File: a 32-byte header (magic, format version, schema version, body length, XxHash3 of the body), then the body:
// the store's id, the checkpoint's token, the journal sequence it covers, the heading weight, and per index its name,
// vector matrix and keyword index. The database records the token and sequence of the last checkpoint written (in the
// transaction that trims the journal up to it); a file is trusted only when both agree with it and the body checks
// out. Anything else (torn, damaged, another database's, older than a restored copy) is rebuilt from the rows.
public sealed partial class SqliteDocumentStore
{
    private static ReadOnlySpan<byte> CheckpointMagic => "DQSEARCH"u8;
    private const int CheckpointFormat = 1;
    private const int CheckpointHeaderBytes = 32;

    private string _storeId = "";
    private long _checkpointSequence = -1; // the journal sequence the loaded or last written checkpoint covers; -1: none
    private long _changesSinceCheckpoint;
    private long _appliedEntries;          // journal entries after _checkpointSequence that the in-memory state holds
    private int _checkpointing;            // 1 while a background checkpoint is scheduled or running
    private Task _backgroundCheckpoint = Task.CompletedTask;

    /// <summary>The search checkpoint beside the database (its name plus ".search").</summary>
    public string CheckpointPath => DatabasePath + ".search";

    /// <summary>Records a change of a document's chunks (null: of the whole index) in the writing transaction.</summary>
    private static void Journal(SqliteConnection connection, SqliteTransaction transaction, string index, string? documentId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO search_journal (index_name, document_id) VALUES ($index, $document_id)";
        command.Parameters.AddWithValue("$index", index);
        command.Parameters.AddWithValue("$document_id", (object?)documentId ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    /// <summary>Journal entries after <paramref name="sequence"/>.</summary>
    private static long CountJournal(SqliteConnection connection, long sequence)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM search_journal WHERE seq > $since";
        command.Parameters.AddWithValue("$since", sequence);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The last sequence the journal handed out (trimmed rows included), 0 when none.</summary>
    private static long JournalSequence(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'search_journal'), 0)";
        return (long)command.ExecuteScalar()!;
    }

    private static Dictionary<string, string> ReadStoreInfo(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, value FROM store_info";
        var info = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read()) info[reader.GetString(0)] = reader.GetString(1);
        return info;
    }

    /// <summary>
    /// Loads the vector matrices and keyword indexes from the checkpoint when the database vouches for it, then brings
    /// them up to date from the journal. False, having loaded nothing, when there is no checkpoint to trust.
    /// </summary>
    private bool TryLoadCheckpoint(SqliteConnection connection, Dictionary<string, string> info)
    {
        var path = CheckpointPath;
        if (!File.Exists(path)) return false;
        try
        {
            if (!BitConverter.IsLittleEndian) throw new InvalidDataException("checkpoints are kept on little-endian hosts only");
            if (!info.TryGetValue("checkpoint_token", out var expectedToken) || !info.TryGetValue("checkpoint_seq", out var expectedSequence))
                throw new InvalidDataException("the database records no checkpoint");

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
            var header = new byte[CheckpointHeaderBytes];
            if (file.Length < CheckpointHeaderBytes) throw new InvalidDataException("it is shorter than its header");
            file.ReadExactly(header);
            if (!header.AsSpan(0, 8).SequenceEqual(CheckpointMagic)) throw new InvalidDataException("it is not a search checkpoint");
            var format = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
            var schema = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
            var bodyLength = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
            var checksum = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(24));
            if (format != CheckpointFormat || schema != Schema.Version)
                throw new InvalidDataException($"it has format {format} of schema {schema}; this build writes format {CheckpointFormat} of schema {Schema.Version}");
            if (bodyLength != file.Length - CheckpointHeaderBytes)
                throw new InvalidDataException($"it holds {file.Length - CheckpointHeaderBytes} bytes where its header says {bodyLength} (a torn write)");

            var reader = new CheckpointReader(file, bodyLength);
            if (reader.ReadString() != _storeId) throw new InvalidDataException("it belongs to another database");
            var token = reader.ReadString();
            var sequence = reader.ReadInt64();
            if (token != expectedToken || sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) != expectedSequence)
                throw new InvalidDataException("it is not the checkpoint the database last recorded (stale, or the database was restored)");
            var headingWeight = reader.ReadInt32();
            if (headingWeight != _options.HeadingWeight)
                throw new InvalidDataException($"its keyword index weighs headings {headingWeight}x; the options ask for {_options.HeadingWeight}x");

            var loaded = new Dictionary<string, IndexState>(StringComparer.Ordinal);
            var indexes = reader.ReadCount(sizeof(int));
            for (var i = 0; i < indexes; i++)
            {
                var name = reader.ReadString();
                var vectors = VectorMatrix.ReadFrom(reader, _options.VectorPrecision);
                loaded[name] = new IndexState(vectors, KeywordIndex.ReadFrom(reader));
            }
            if (!reader.AtEnd) throw new InvalidDataException("it has bytes after its last index");
            if (reader.Checksum != checksum) throw new InvalidDataException("its checksum does not match (a damaged file)");

            foreach (var (name, state) in loaded) _indexes[name] = state;
            _checkpointSequence = sequence;
            return true;
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("The search checkpoint {Path} is not used, the search state is rebuilt from the database: {Reason}",
                path, exception.Message);
            return false;
        }
    }

    /// <summary>
    /// Brings the state loaded from the checkpoint up to date: every document (or index) the journal names after the
    /// checkpoint is dropped, and the chunks those documents have now are added in row order, as a rebuild adds them.
    /// Returns how many journal entries were replayed.
    /// </summary>
    private int ReplayJournal(SqliteConnection connection)
    {
        var entries = new List<(string Index, string? Document)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT index_name, document_id FROM search_journal WHERE seq > $since ORDER BY seq";
            command.Parameters.AddWithValue("$since", _checkpointSequence);
            using var reader = command.ExecuteReader();
            while (reader.Read()) entries.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }
        if (entries.Count == 0) return 0;

        foreach (var (index, document) in entries)
        {
            if (document is null) _indexes.Remove(index);
            else if (_indexes.TryGetValue(index, out var state))
            {
                state.Vectors.RemoveDocument(document);
                state.Keywords.RemoveDocument(document);
            }
        }
        LoadChunks(connection, journaledAfter: _checkpointSequence);
        // Removed chunks would still count in keyword statistics; compacted, the scores are a rebuild's.
        foreach (var state in _indexes.Values)
            if (state.Keywords.HasRemoved) state.Keywords.Compact();
        return entries.Count;
    }

    /// <summary>
    /// Writes the whole search state to a temporary file, flushed to disk and renamed over the checkpoint, then records
    /// it in the database and trims the journal up to it. The caller holds the write gate, so nothing changes the
    /// state meanwhile; searches go on.
    /// </summary>
    private void WriteCheckpoint(SqliteConnection connection)
    {
        var sequence = JournalSequence(connection);
        if (CountJournal(connection, _checkpointSequence) != _appliedEntries)
        {
            // Another process wrote chunks this one never saw: a checkpoint of this state would hide them.
            _logger.LogWarning("{Path} was changed by another process; its search checkpoint is dropped and the next open rebuilds", DatabasePath);
            DropCheckpoint(connection);
            return;
        }
        if (_indexes.Values.Any(state => state.Keywords.HasRemoved))
        {
            // What a rebuild would hold: the checkpoint then opens to the same scores as the rows would give.
            _searchLock.EnterWriteLock();
            try
            {
                foreach (var state in _indexes.Values)
                    if (state.Keywords.HasRemoved) state.Keywords.Compact();
            }
            finally
            {
                _searchLock.ExitWriteLock();
            }
        }

        var token = Guid.NewGuid().ToString("N");
        var temporary = CheckpointPath + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
        {
            file.Write(new byte[CheckpointHeaderBytes]);
            var writer = new CheckpointWriter(file);
            writer.Write(_storeId);
            writer.Write(token);
            writer.Write(sequence);
            writer.Write(_options.HeadingWeight);
            writer.Write(_indexes.Count);
            foreach (var (name, state) in _indexes)
            {
                writer.Write(name);
                state.Vectors.WriteTo(writer);
                state.Keywords.WriteTo(writer);
            }

            var header = new byte[CheckpointHeaderBytes];
            CheckpointMagic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), CheckpointFormat);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), Schema.Version);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), writer.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(24), writer.Checksum);
            file.Position = 0;
            file.Write(header);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, CheckpointPath, overwrite: true);

        // Recorded only once the file is in place: a crash before this leaves the database naming the old token, so
        // the new file is refused and the journal still holds everything since the old one.
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT OR REPLACE INTO store_info (key, value) VALUES ('checkpoint_token', $token), ('checkpoint_seq', $seq);
            DELETE FROM search_journal WHERE seq <= $seq;
            """;
        command.Parameters.AddWithValue("$token", token);
        command.Parameters.AddWithValue("$seq", sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
        transaction.Commit();
        _checkpointSequence = sequence;
        _appliedEntries = 0;
        Interlocked.Exchange(ref _changesSinceCheckpoint, 0);
    }

    /// <summary>A store too small to need a checkpoint keeps none, and no journal: its rebuild takes well under a second.</summary>
    private void DropCheckpoint(SqliteConnection connection)
    {
        File.Delete(CheckpointPath);
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM store_info WHERE key IN ('checkpoint_token', 'checkpoint_seq'); DELETE FROM search_journal;";
        command.ExecuteNonQuery();
        _checkpointSequence = -1;
        _appliedEntries = 0;
    }

    private long LoadedChunks => _indexes.Values.Sum(state => (long)state.Vectors.Count);

    /// <summary>Counts chunks added or removed; enough of them since the last checkpoint start a new one in the background.</summary>
    private void NoteChunkChanges(int chunks)
    {
        if (Interlocked.Add(ref _changesSinceCheckpoint, chunks) < _options.CheckpointAfterChunks) return;
        if (Interlocked.CompareExchange(ref _checkpointing, 1, 0) != 0) return;
        _backgroundCheckpoint = Task.Run(async () =>
        {
            try
            {
                await _writeGate.WaitAsync().ConfigureAwait(false);
                try
                {
                    if (_disposed) return;
                    using var connection = Open();
                    if (LoadedChunks >= _options.CheckpointMinimumChunks) WriteCheckpoint(connection);
                    else Interlocked.Exchange(ref _changesSinceCheckpoint, 0);
                }
                finally
                {
                    _writeGate.Release();
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or SqliteException)
            {
                _logger.LogWarning(exception, "Writing the search checkpoint {Path} failed; the next open replays the journal instead", CheckpointPath);
            }
            finally
            {
                Volatile.Write(ref _checkpointing, 0);
            }
        });
    }

    /// <summary>At close: a checkpoint of everything when anything changed since the last, so that the next open is quick.</summary>
    private void CheckpointAtClose(SqliteConnection connection)
    {
        try
        {
            _backgroundCheckpoint.Wait();
        }
        catch (AggregateException exception)
        {
            _logger.LogWarning(exception, "The background checkpoint of {Path} failed", CheckpointPath);
        }
        _writeGate.Wait();
        try
        {
            if (LoadedChunks < _options.CheckpointMinimumChunks)
            {
                DropCheckpoint(connection);
            }
            else if (_checkpointSequence < 0 || JournalSequence(connection) != _checkpointSequence)
                WriteCheckpoint(connection);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or SqliteException)
        {
            _logger.LogWarning(exception, "Writing the search checkpoint {Path} at close failed; the next open rebuilds or replays instead", CheckpointPath);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
