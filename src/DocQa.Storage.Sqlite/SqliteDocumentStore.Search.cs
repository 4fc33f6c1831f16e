using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Microsoft.Data.Sqlite;

namespace DocQa.Storage.Sqlite;

// Vector and keyword search over the in-memory state, and passages read back from the file.
public sealed partial class SqliteDocumentStore
{
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
        ChunkRangeAsync(index, documentId, 0, int.MaxValue, cancellationToken);

    public Task<IReadOnlyList<StoredChunk>> ChunkRangeAsync(string index, string documentId, int first, int last, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT chunk_id, ordinal, text, heading, page, page_end, lead_length
                FROM chunks WHERE index_name = $index AND document_id = $id AND ordinal BETWEEN $first AND $last
                ORDER BY ordinal
                """;
            command.Parameters.AddWithValue("$index", index);
            command.Parameters.AddWithValue("$id", documentId);
            command.Parameters.AddWithValue("$first", first);
            command.Parameters.AddWithValue("$last", last);
            var chunks = new List<StoredChunk>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) chunks.Add(ReadChunk(reader, ReadOnlyMemory<float>.Empty));
            return (IReadOnlyList<StoredChunk>)chunks;
        }, cancellationToken);

    public Task<IReadOnlyList<DocumentRecord>> FindReadyBySha256Async(string index, string sha256, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {DocumentColumns} FROM documents WHERE index_name = $index AND sha256 = $sha256 AND status = 'ready' ORDER BY created_at, id";
            command.Parameters.AddWithValue("$index", index);
            command.Parameters.AddWithValue("$sha256", sha256);
            return (IReadOnlyList<DocumentRecord>)ReadRecords(command);
        }, cancellationToken);

    public Task<IReadOnlyList<StoredChunk>> ChunksWithVectorsAsync(string index, string documentId, CancellationToken cancellationToken = default) =>
        Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT c.chunk_id, c.ordinal, c.text, c.heading, c.page, c.page_end, c.lead_length, v.vector
                FROM chunks AS c JOIN chunk_vectors AS v ON v.chunk_rowid = c.id
                WHERE c.index_name = $index AND c.document_id = $id
                ORDER BY c.ordinal
                """;
            command.Parameters.AddWithValue("$index", index);
            command.Parameters.AddWithValue("$id", documentId);
            var chunks = new List<StoredChunk>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) chunks.Add(ReadChunk(reader, VectorBlob.FromBytes((byte[])reader.GetValue(7))));
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

        // Ties go to the earlier chunk, as they do in the scan.
        var rescored = new List<(long ChunkRowId, float Score)>(candidates.Count);
        foreach (var (rowId, _) in candidates)
            if (exact.TryGetValue(rowId, out var score)) rescored.Add((rowId, score));
        rescored.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.ChunkRowId.CompareTo(b.ChunkRowId));
        return rescored.Take(top).ToList();
    }

    private static float ExactDot(byte[] blob, ReadOnlySpan<float> query)
    {
        if (blob.Length != query.Length * sizeof(float))
            throw new InvalidDataException($"A stored vector has {blob.Length} bytes; the query has {query.Length} dimensions.");
        return BitConverter.IsLittleEndian
            ? TensorPrimitives.Dot(MemoryMarshal.Cast<byte, float>(blob), query)
            : TensorPrimitives.Dot(VectorBlob.FromBytes(blob), query);
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
}
