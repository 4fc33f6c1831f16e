using System.Globalization;
using System.Text.Json;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Microsoft.Data.Sqlite;

namespace DocQa.Storage.Sqlite;

// Validation of what is written, and mapping between rows and records.
public sealed partial class SqliteDocumentStore
{
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
                SourcePath = reader.IsDBNull(17) ? null : reader.GetString(17),
                PagesOcr = JsonSerializer.Deserialize<int[]>(reader.GetString(18)) ?? [],
                Warnings = JsonSerializer.Deserialize<string[]>(reader.GetString(19)) ?? [],
            });
        }
        return records;
    }

    /// <summary>Reads chunk_id, ordinal, text, heading, page, page_end, lead_length (columns 0 to 6) as a chunk with <paramref name="vector"/>.</summary>
    private static StoredChunk ReadChunk(SqliteDataReader reader, ReadOnlyMemory<float> vector) =>
        new(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetInt32(4), reader.GetInt32(5), vector)
        {
            LeadLength = reader.GetInt32(6),
        };

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
}
