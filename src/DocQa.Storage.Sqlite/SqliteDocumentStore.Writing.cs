using System.Text.Json;
using DocQa.Core.Documents;
using DocQa.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DocQa.Storage.Sqlite;

// Writes: rows inserted and deleted in a transaction, then the in-memory state changed while searches wait.
public sealed partial class SqliteDocumentStore
{
    private static void Upsert(SqliteConnection connection, SqliteTransaction transaction, DocumentRecord record)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // Not INSERT OR REPLACE: that deletes the row first, which would cascade to the chunks.
        // A document entering the queue takes the next queue number; one already queued keeps its place.
        command.CommandText = $"""
            INSERT INTO documents ({DocumentColumns}, queue_seq)
            VALUES ($index, $id, $file_name, $content_type, $size_bytes, $sha256, $tags, $status, $error,
                    $pages, $pages_without_text, $chunks, $attempts, $created_at, $updated_at, $embedding_model, $metadata, $source_path,
                    $pages_ocr, $warnings,
                    (SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM documents))
            ON CONFLICT (index_name, id) DO UPDATE SET
                file_name = excluded.file_name, content_type = excluded.content_type, size_bytes = excluded.size_bytes,
                sha256 = excluded.sha256, tags = excluded.tags, status = excluded.status, error = excluded.error,
                pages = excluded.pages, pages_without_text = excluded.pages_without_text, chunks = excluded.chunks,
                attempts = excluded.attempts, created_at = excluded.created_at, updated_at = excluded.updated_at,
                -- A record saved without a model (a re-upload waiting in the queue) leaves the model of the chunks still there.
                embedding_model = COALESCE(excluded.embedding_model, documents.embedding_model),
                metadata = excluded.metadata, source_path = excluded.source_path, pages_ocr = excluded.pages_ocr, warnings = excluded.warnings,
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
        p.AddWithValue("$source_path", (object?)record.SourcePath ?? DBNull.Value);
        p.AddWithValue("$pages_ocr", JsonSerializer.Serialize(record.PagesOcr));
        p.AddWithValue("$warnings", JsonSerializer.Serialize(record.Warnings));
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

    /// <summary>
    /// Commits, then applies the in-memory change, both while searches are held off. <paramref name="journaled"/>:
    /// the transaction appended to the search journal, and the state now holds that entry too.
    /// </summary>
    private void CommitAndApply(SqliteConnection connection, SqliteTransaction transaction, Action apply, bool journaled = false)
    {
        _searchLock.EnterWriteLock();
        try
        {
            transaction.Commit();
            if (journaled) _appliedEntries++;
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
                _appliedEntries = CountJournal(connection, _checkpointSequence);
                throw;
            }
        }
        finally
        {
            _searchLock.ExitWriteLock();
        }
    }
}
