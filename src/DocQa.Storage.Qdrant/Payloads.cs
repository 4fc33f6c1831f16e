using System.Globalization;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Qdrant.Client.Grpc;

namespace DocQa.Storage.Qdrant;

/// <summary>Payload field names of chunk points.</summary>
public static class ChunkFields
{
    public const string Index = "index";
    public const string DocumentId = "documentId";
    public const string Version = "version";
    public const string ChunkId = "chunkId";
    public const string Ordinal = "ordinal";
    public const string Text = "text";
    public const string Heading = "heading";
    public const string Page = "page";
    public const string PageEnd = "pageEnd";
    public const string Tags = "tags";

    /// <summary>The document's metadata as filters see it (derived, overridden by tags), as keywords like the tags'.</summary>
    public const string Metadata = "metadata";
    public const string LeadLength = "leadLength";

    /// <summary>The model of the chunk's vector; absent on chunks written before the store recorded it (all-MiniLM-L6-v2).</summary>
    public const string EmbeddingModel = "embeddingModel";
}

/// <summary>Payload field names of document record points.</summary>
public static class RecordFields
{
    public const string Index = "index";
    public const string Id = "id";
    public const string FileName = "fileName";
    public const string ContentType = "contentType";
    public const string SizeBytes = "sizeBytes";
    public const string Sha256 = "sha256";
    public const string Tags = "tags";
    public const string Status = "status";
    public const string Error = "error";
    public const string Pages = "pages";
    public const string PagesWithoutText = "pagesWithoutText";
    public const string Chunks = "chunks";
    public const string Attempts = "attempts";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";
    public const string ActiveVersion = "activeVersion";
    public const string ActiveChunks = "activeChunks";
    public const string Revision = "revision";
    public const string QueuedAt = "queuedAt";
    public const string LeaseOwner = "leaseOwner";
    public const string LeaseExpires = "leaseExpires";
    public const string DeletedAt = "deletedAt";
    public const string EmbeddingModel = "embeddingModel";

    /// <summary>Where the file lives, for a document read from a folder; absent otherwise.</summary>
    public const string SourcePath = "sourcePath";

    /// <summary>The metadata derived at ingestion, an object of strings like the tags.</summary>
    public const string Metadata = "metadata";

    /// <summary>The pages read by OCR, a list of integers; absent in records written before it existed.</summary>
    public const string PagesOcr = "pagesOcr";

    /// <summary>What could not be read, a list of strings.</summary>
    public const string Warnings = "warnings";
}

/// <summary>
/// A document record as the Qdrant store keeps it: the record, plus which version of its chunks is the visible one
/// (versions are increasing numbers; absent while the document has no chunks) and how many chunks it has, a revision that changes on every write (for compare-and-set), its place in the queue and
/// the lease of the replica processing it.
/// </summary>
public sealed record StoredRecord(
    DocumentRecord Record,
    long? ActiveVersion,
    int ActiveChunks,
    string Revision,
    long QueuedAt,
    string? LeaseOwner = null,
    long LeaseExpires = 0);

/// <summary>Records and chunks to and from Qdrant payloads.</summary>
public static class Payloads
{
    public static Dictionary<string, Value> FromRecord(StoredRecord stored)
    {
        var record = stored.Record;
        var tags = new Struct();
        foreach (var (key, value) in record.Tags) tags.Fields[key] = value;
        var metadata = new Struct();
        foreach (var (key, value) in record.Metadata) metadata.Fields[key] = value;
        var payload = new Dictionary<string, Value>
        {
            [RecordFields.Index] = record.Index,
            [RecordFields.Id] = record.Id,
            [RecordFields.FileName] = record.FileName,
            [RecordFields.ContentType] = record.ContentType,
            [RecordFields.SizeBytes] = record.SizeBytes,
            [RecordFields.Sha256] = record.Sha256,
            [RecordFields.Tags] = new Value { StructValue = tags },
            [RecordFields.Metadata] = new Value { StructValue = metadata },
            [RecordFields.PagesOcr] = List(record.PagesOcr.Select(page => new Value { IntegerValue = page })),
            [RecordFields.Warnings] = List(record.Warnings.Select(warning => new Value { StringValue = warning })),
            [RecordFields.Status] = StatusName(record.Status),
            [RecordFields.Pages] = record.Pages,
            [RecordFields.PagesWithoutText] = record.PagesWithoutText,
            [RecordFields.Chunks] = record.Chunks,
            [RecordFields.Attempts] = record.Attempts,
            [RecordFields.CreatedAt] = Timestamp(record.CreatedAt),
            [RecordFields.UpdatedAt] = Timestamp(record.UpdatedAt),
            [RecordFields.ActiveChunks] = stored.ActiveChunks,
            [RecordFields.Revision] = stored.Revision,
            [RecordFields.QueuedAt] = stored.QueuedAt,
            [RecordFields.LeaseExpires] = stored.LeaseExpires,
        };
        if (record.Error is not null) payload[RecordFields.Error] = record.Error;
        if (record.EmbeddingModel is not null) payload[RecordFields.EmbeddingModel] = record.EmbeddingModel;
        if (record.SourcePath is not null) payload[RecordFields.SourcePath] = record.SourcePath;
        if (stored.ActiveVersion is { } version) payload[RecordFields.ActiveVersion] = version;
        if (stored.LeaseOwner is not null) payload[RecordFields.LeaseOwner] = stored.LeaseOwner;
        return payload;
    }

    public static StoredRecord ToRecord(IReadOnlyDictionary<string, Value> payload)
    {
        var tags = Strings(payload, RecordFields.Tags);
        var record = new DocumentRecord
        {
            Index = String(payload, RecordFields.Index)!,
            Id = String(payload, RecordFields.Id)!,
            FileName = String(payload, RecordFields.FileName)!,
            ContentType = String(payload, RecordFields.ContentType)!,
            SizeBytes = Integer(payload, RecordFields.SizeBytes),
            Sha256 = String(payload, RecordFields.Sha256)!,
            Tags = tags,
            Metadata = Strings(payload, RecordFields.Metadata),
            Status = ParseStatus(String(payload, RecordFields.Status)),
            Error = String(payload, RecordFields.Error),
            Pages = (int)Integer(payload, RecordFields.Pages),
            PagesWithoutText = (int)Integer(payload, RecordFields.PagesWithoutText),
            Chunks = (int)Integer(payload, RecordFields.Chunks),
            Attempts = (int)Integer(payload, RecordFields.Attempts),
            CreatedAt = ParseTimestamp(String(payload, RecordFields.CreatedAt)),
            UpdatedAt = ParseTimestamp(String(payload, RecordFields.UpdatedAt)),
            EmbeddingModel = String(payload, RecordFields.EmbeddingModel),
            SourcePath = String(payload, RecordFields.SourcePath),
            PagesOcr = Items(payload, RecordFields.PagesOcr).Select(item => (int)item.IntegerValue).ToArray(),
            Warnings = Items(payload, RecordFields.Warnings).Select(item => item.StringValue).ToArray(),
        };
        return new StoredRecord(
            record,
            payload.ContainsKey(RecordFields.ActiveVersion) ? Integer(payload, RecordFields.ActiveVersion) : null,
            (int)Integer(payload, RecordFields.ActiveChunks),
            String(payload, RecordFields.Revision) ?? "",
            Integer(payload, RecordFields.QueuedAt),
            String(payload, RecordFields.LeaseOwner),
            Integer(payload, RecordFields.LeaseExpires));
    }

    /// <summary>
    /// What a deleted document's record point becomes: a marker of when it was deleted, so that processing which
    /// finishes later (on another replica) does not bring the document back. Its status matches no queue filter.
    /// </summary>
    public static Dictionary<string, Value> Tombstone(string index, string id, string revision, long deletedAt) => new()
    {
        [RecordFields.Index] = index,
        [RecordFields.Id] = id,
        [RecordFields.Status] = DeletedStatus,
        [RecordFields.Revision] = revision,
        [RecordFields.DeletedAt] = deletedAt,
    };

    public const string DeletedStatus = "deleted";

    public static bool IsTombstone(IReadOnlyDictionary<string, Value> payload) => String(payload, RecordFields.Status) == DeletedStatus;

    public static Dictionary<string, Value> FromChunk(DocumentRecord record, long version, StoredChunk chunk)
    {
        var payload = new Dictionary<string, Value>
        {
            [ChunkFields.Index] = record.Index,
            [ChunkFields.DocumentId] = record.Id,
            [ChunkFields.Version] = version,
            [ChunkFields.ChunkId] = chunk.ChunkId,
            [ChunkFields.Ordinal] = chunk.Ordinal,
            [ChunkFields.Text] = chunk.Text,
            [ChunkFields.Page] = chunk.Page,
            [ChunkFields.PageEnd] = chunk.PageEnd,
            [ChunkFields.Tags] = QdrantFilters.TagKeywords(record.Tags),
            [ChunkFields.Metadata] = QdrantFilters.MetadataKeywords(DocumentMetadata.Of(record)),
        };
        if (chunk.Heading is not null) payload[ChunkFields.Heading] = chunk.Heading;
        if (chunk.LeadLength > 0) payload[ChunkFields.LeadLength] = chunk.LeadLength;
        if (record.EmbeddingModel is not null) payload[ChunkFields.EmbeddingModel] = record.EmbeddingModel;
        return payload;
    }

    /// <summary>A stored chunk's text and place, without its vector.</summary>
    public static StoredChunk ToChunk(IReadOnlyDictionary<string, Value> payload) => new(
        String(payload, ChunkFields.ChunkId)!,
        (int)Integer(payload, ChunkFields.Ordinal),
        String(payload, ChunkFields.Text)!,
        String(payload, ChunkFields.Heading),
        (int)Integer(payload, ChunkFields.Page),
        (int)Integer(payload, ChunkFields.PageEnd),
        ReadOnlyMemory<float>.Empty)
    {
        LeadLength = (int)Integer(payload, ChunkFields.LeadLength),
    };

    /// <summary>A found chunk as a passage; the file name comes from its document's record, which may have been renamed since.</summary>
    public static Passage ToPassage(IReadOnlyDictionary<string, Value> payload, string fileName, double score) => new(
        String(payload, ChunkFields.ChunkId)!,
        String(payload, ChunkFields.DocumentId)!,
        fileName,
        (int)Integer(payload, ChunkFields.Ordinal),
        (int)Integer(payload, ChunkFields.Page),
        (int)Integer(payload, ChunkFields.PageEnd),
        String(payload, ChunkFields.Heading),
        String(payload, ChunkFields.Text)!,
        score);

    public static string StatusName(DocumentStatus status) => status.ToString().ToLowerInvariant();

    private static DocumentStatus ParseStatus(string? name) =>
        Enum.TryParse<DocumentStatus>(name, ignoreCase: true, out var status) ? status : throw new FormatException($"unknown document status '{name}'");

    // ISO 8601 in UTC with 100 ns precision: exact, and readable in Qdrant's own tools.
    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTimestamp(string? text) =>
        text is null ? default : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static Value List(IEnumerable<Value> items)
    {
        var list = new ListValue();
        list.Values.AddRange(items);
        return new Value { ListValue = list };
    }

    /// <summary>The items of a list field; none when absent, as in records written before the field existed.</summary>
    private static IEnumerable<Value> Items(IReadOnlyDictionary<string, Value> payload, string field) =>
        payload.TryGetValue(field, out var value) && value.KindCase == Value.KindOneofCase.ListValue ? value.ListValue.Values : [];

    /// <summary>An object of strings (tags, metadata); empty when absent, as in records written before the field existed.</summary>
    private static Dictionary<string, string> Strings(IReadOnlyDictionary<string, Value> payload, string field)
    {
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (payload.TryGetValue(field, out var value) && value.KindCase == Value.KindOneofCase.StructValue)
        {
            foreach (var (key, item) in value.StructValue.Fields) strings[key] = item.StringValue;
        }
        return strings;
    }

    internal static string? String(IReadOnlyDictionary<string, Value> payload, string field) =>
        payload.TryGetValue(field, out var value) && value.KindCase == Value.KindOneofCase.StringValue ? value.StringValue : null;

    internal static long Integer(IReadOnlyDictionary<string, Value> payload, string field) =>
        payload.TryGetValue(field, out var value) ? value.KindCase switch
        {
            Value.KindOneofCase.IntegerValue => value.IntegerValue,
            Value.KindOneofCase.DoubleValue => (long)value.DoubleValue,
            _ => 0,
        } : 0;
}
