using DocQa.Core.Documents;
using DocQa.Core.Storage;

namespace DocQa.Storage.Sqlite;

// The ingestion queue: statuses in the documents table, claimed and completed in transactions.
public sealed partial class SqliteDocumentStore
{
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

        var changed = 0;
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
            Journal(connection, transaction, record.Index, record.Id);
            cancellationToken.ThrowIfCancellationRequested();

            CommitAndApply(connection, transaction, () =>
            {
                var state = StateOf(record.Index);
                changed = chunks.Count + state.Vectors.RemoveDocument(record.Id);
                state.Keywords.RemoveDocument(record.Id);
                for (var i = 0; i < chunks.Count; i++)
                {
                    state.Vectors.Add(record.Id, rowIds[i], chunks[i].Vector.Span);
                    state.Keywords.Add(record.Id, rowIds[i], analyzed[i]);
                }
                state.Remember(record);
            }, journaled: true);
        }
        finally
        {
            _writeGate.Release();
        }
        NoteChunkChanges(changed);
    }
}
