using System.Runtime.InteropServices;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DocQa.Storage.Sqlite;

// The in-memory search state: per index, the vector matrix and the keyword index, loaded at open.
public sealed partial class SqliteDocumentStore
{
    private sealed class IndexState(VectorMatrix vectors, KeywordIndex keywords)
    {
        public IndexState(VectorPrecision precision) : this(new VectorMatrix(precision), new KeywordIndex()) { }

        public VectorMatrix Vectors { get; } = vectors;

        public KeywordIndex Keywords { get; } = keywords;

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

    /// <summary>
    /// The search state at open: from the checkpoint and the journal after it when the database vouches for the
    /// checkpoint, else rebuilt from every row. Returns true when it came from the checkpoint.
    /// </summary>
    private bool OpenSearchState(SqliteConnection connection)
    {
        var info = ReadStoreInfo(connection);
        _storeId = info["store_id"];
        if (!TryLoadCheckpoint(connection, info))
        {
            LoadSearchState(connection);
            _checkpointSequence = -1;
            _appliedEntries = CountJournal(connection, _checkpointSequence);
            return false;
        }
        var replayed = ReplayJournal(connection);
        _appliedEntries = replayed;
        Interlocked.Exchange(ref _changesSinceCheckpoint, replayed);
        ReplayedAtOpen = replayed;
        LoadDocuments(connection);
        // An index whose documents all went after the checkpoint is gone, as a rebuild would not know it.
        foreach (var (name, state) in _indexes.ToList())
            if (state.Tags.Count == 0 && state.Vectors.Count == 0 && state.Keywords.Count == 0) _indexes.Remove(name);
        _logger.LogInformation("Search state of {Path} read from its checkpoint (journal sequence {Sequence}), {Replayed} later changes replayed",
            DatabasePath, _checkpointSequence, replayed);
        return true;
    }

    /// <summary>Rebuilds the search state from every row of the database.</summary>
    private void LoadSearchState(SqliteConnection connection)
    {
        LoadDocuments(connection);
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

    /// <summary>Tags, models and metadata of every document: cheap to read, so never checkpointed.</summary>
    private void LoadDocuments(SqliteConnection connection)
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
    }

    /// <summary>
    /// Reads every chunk once, in row order: its vector goes into the matrix at once; its text is analysed for the
    /// keyword index in batches, on every core, then added in row order, so postings come out sorted. With
    /// <paramref name="journaledAfter"/>, only the chunks of the documents the journal names after that sequence.
    /// </summary>
    private void LoadChunks(SqliteConnection connection, long? journaledAfter = null)
    {
        using var command = connection.CreateCommand();
        var onlyJournaled = journaledAfter is null ? "" : """
            WHERE (c.index_name, c.document_id) IN (SELECT index_name, document_id FROM search_journal WHERE seq > $since)
            """;
        command.CommandText = $"""
            SELECT c.id, c.index_name, c.document_id, v.vector, c.text, c.heading
            FROM chunks AS c JOIN chunk_vectors AS v ON v.chunk_rowid = c.id
            {onlyJournaled}
            ORDER BY c.id
            """;
        if (journaledAfter is not null) command.Parameters.AddWithValue("$since", journaledAfter.Value);
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
}
