using DocQa.Core.Retrieval;

namespace DocQa.Core.Storage;

/// <summary>How a store-side hybrid search fuses its two candidate lists: weighted reciprocal rank fusion.</summary>
public sealed record HybridFusion(int CandidatesPerMode, int KeywordCandidates, int RrfK, double VectorWeight, double KeywordWeight);

/// <summary>
/// A store that runs a hybrid search (vector and keyword candidates fused by RRF) itself, in one round trip,
/// instead of two searches fused by the <see cref="Retriever"/>, which still sends a keyword search beside it for what
/// the keyword list decides on its own (the leading document, exact matches). Optional: the embedded store does not need it.
/// </summary>
public interface IHybridSearchStore
{
    /// <summary>The best chunks of both lists fused; Score is the fused score, higher for better matches.</summary>
    Task<IReadOnlyList<Passage>> HybridSearchAsync(string index, string query, ReadOnlyMemory<float> queryVector, int top,
        HybridFusion fusion, SearchFilter filter, CancellationToken cancellationToken = default);
}
