using DocQa.Core.Documents;
using DocQa.Core.Retrieval;

namespace DocQa.Storage.Sqlite;

// Indexes and document records: SQL reads and writes of the documents table.
public sealed partial class SqliteDocumentStore
{
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
        var changed = 0;
        bool deleted;
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            DeleteChunks(connection, transaction, index, id);
            Journal(connection, transaction, index, id);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM documents WHERE index_name = $index AND id = $id";
            command.Parameters.AddWithValue("$index", index);
            command.Parameters.AddWithValue("$id", id);
            deleted = command.ExecuteNonQuery() > 0;

            CommitAndApply(connection, transaction, () =>
            {
                if (!_indexes.TryGetValue(index, out var state)) return;
                changed = state.Vectors.RemoveDocument(id);
                state.Keywords.RemoveDocument(id);
                state.Tags.Remove(id);
                state.Models.Remove(id);
                state.Metadata.Remove(id);
                if (state.Tags.Count == 0) _indexes.Remove(index);
            }, journaled: true);
        }
        finally
        {
            _writeGate.Release();
        }
        NoteChunkChanges(changed);
        return deleted;
    }

    public async Task DeleteIndexAsync(string index, CancellationToken cancellationToken = default)
    {
        var changed = 0;
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
            Journal(connection, transaction, index, documentId: null);
            CommitAndApply(connection, transaction, () =>
            {
                if (_indexes.Remove(index, out var state)) changed = state.Vectors.Count;
            }, journaled: true);
        }
        finally
        {
            _writeGate.Release();
        }
        NoteChunkChanges(changed);
    }
}
