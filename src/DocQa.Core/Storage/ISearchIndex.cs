using DocQa.Core.Retrieval;

namespace DocQa.Core.Storage;

/// <summary>Searches over the chunks of an index's ready documents.</summary>
public interface ISearchIndex
{
    /// <summary>Nearest chunks by cosine similarity to a unit-length query vector; Score is the cosine.</summary>
    Task<IReadOnlyList<Passage>> VectorSearchAsync(string index, ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Best chunks by BM25 over their text and heading; Score is higher for better matches.</summary>
    Task<IReadOnlyList<Passage>> KeywordSearchAsync(string index, string query, int top, SearchFilter filter, CancellationToken cancellationToken = default);
}
