using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace DocQa.Storage.Qdrant;

/// <summary>DocQa's search filters as Qdrant conditions on the chunks' payload.</summary>
public static class QdrantFilters
{
    /// <summary>Every chunk of an index (the tenant field, which Qdrant indexes per tenant).</summary>
    public static Filter Index(string index) => new() { Must = { MatchKeyword(ChunkFields.Index, index) } };

    /// <summary>Every chunk of one document, all versions.</summary>
    public static Filter Document(string index, string documentId) => new()
    {
        Must = { MatchKeyword(ChunkFields.Index, index), MatchKeyword(ChunkFields.DocumentId, documentId) },
    };

    /// <summary>A document's chunks of versions older than <paramref name="version"/>.</summary>
    public static Filter OlderVersions(string index, string documentId, long version)
    {
        var filter = Document(index, documentId);
        filter.Must.Add(Range(ChunkFields.Version, new global::Qdrant.Client.Grpc.Range { Lt = version }));
        return filter;
    }

    /// <summary>A document's chunks of one version.</summary>
    public static Filter Version(string index, string documentId, long version)
    {
        var filter = Document(index, documentId);
        filter.Must.Add(Match(ChunkFields.Version, version));
        return filter;
    }

    /// <summary>
    /// The chunks a search may return: of the index, of one of the listed documents (when any are listed), carrying
    /// every listed tag (key and value exactly) and every listed metadata value (in any case).
    /// </summary>
    public static Filter Search(string index, SearchFilter filter)
    {
        var result = Index(index);
        if (filter.DocumentIds.Count > 0)
            result.Must.Add(Match(ChunkFields.DocumentId, filter.DocumentIds.Distinct(StringComparer.Ordinal).ToList()));
        foreach (var (key, value) in filter.Tags.OrderBy(tag => tag.Key, StringComparer.Ordinal))
            result.Must.Add(MatchKeyword(ChunkFields.Tags, TagKeyword(key, value)));
        foreach (var (key, value) in filter.Metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            result.Must.Add(MatchKeyword(ChunkFields.Metadata, TagKeyword(key, DocumentMetadata.Comparable(value))));
        if (filter.EmbeddingModel is { } model)
        {
            // Chunks written before the store recorded models carry no model field: they are the legacy model's.
            var ofModel = new Filter { Should = { MatchKeyword(ChunkFields.EmbeddingModel, model) } };
            if (model == EmbeddingSpaces.LegacyModel) ofModel.Should.Add(IsEmpty(ChunkFields.EmbeddingModel));
            result.Must.Add(new Condition { Filter = ofModel });
        }
        return result;
    }

    /// <summary>
    /// A tag as one keyword: the key's length, the key, then the value ("4:team=finance"). The length makes the
    /// split unambiguous whatever the key and value hold (a "key:value" form would read "a:b" + "c" and "a" + "b:c"
    /// alike); a nested payload object would not do either, since keys like "site.name" are paths to Qdrant.
    /// </summary>
    public static string TagKeyword(string key, string value) =>
        $"{key.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{key}={value}";

    /// <summary>The tag keywords of a document, stored on each of its chunks.</summary>
    public static string[] TagKeywords(IReadOnlyDictionary<string, string> tags) =>
        tags.OrderBy(tag => tag.Key, StringComparer.Ordinal).Select(tag => TagKeyword(tag.Key, tag.Value)).ToArray();

    /// <summary>The metadata keywords of a document, stored on each of its chunks: as tag keywords, values in the form filters compare.</summary>
    public static string[] MetadataKeywords(IReadOnlyDictionary<string, string> metadata) =>
        metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal).Select(entry => TagKeyword(entry.Key, DocumentMetadata.Comparable(entry.Value))).ToArray();
}
