using DocQa.Core.Storage;
using Qdrant.Client.Grpc;

namespace DocQa.Storage.Qdrant;

/// <summary>The Query API requests of DocQa's three search modes, built apart from the client so they can be checked.</summary>
public static class QdrantQueries
{
    public const string DenseVector = "dense";
    public const string KeywordVector = "keywords";

    /// <summary>Nearest chunks to a dense vector (cosine).</summary>
    public static Query Dense(ReadOnlyMemory<float> vector) => new() { Nearest = vector.ToArray() };

    /// <summary>Best keyword matches: the dot product of sparse vectors, chunk weights times the collection's IDF.</summary>
    public static Query Keywords((float[] Values, uint[] Indices) terms) =>
        new() { Nearest = new VectorInput { Sparse = new SparseVector { Values = { terms.Values }, Indices = { terms.Indices } } } };

    /// <summary>
    /// Both lists prefetched under the same filter, then fused by weighted RRF. Each list gives at least
    /// <paramref name="limit"/> candidates, so that a deeper retry (when other versions' chunks are dropped) goes
    /// deeper in both. Without searchable terms there is only the dense list.
    /// </summary>
    public static (Query Fusion, List<PrefetchQuery> Prefetch) Hybrid(ReadOnlyMemory<float> vector, (float[] Values, uint[] Indices) terms,
        HybridFusion fusion, Filter filter, ulong limit)
    {
        var prefetch = new List<PrefetchQuery>
        {
            new() { Query = Dense(vector), Using = DenseVector, Filter = filter, Limit = Math.Max((ulong)fusion.CandidatesPerMode, limit) },
        };
        // Qdrant's RRF scores rank r (from 1) as 1 / (r / weight + k - 1): its k is DocQa's k + 1, and a weight
        // stretches a list's ranks rather than scaling its scores, which orders the fused list much the same way.
        var rrf = new Rrf { K = (uint)fusion.RrfK + 1, Weights = { (float)fusion.VectorWeight } };
        if (terms.Indices.Length > 0)
        {
            prefetch.Add(new() { Query = Keywords(terms), Using = KeywordVector, Filter = filter, Limit = Math.Max((ulong)fusion.KeywordCandidates, limit) });
            rrf.Weights.Add((float)fusion.KeywordWeight);
        }
        return (new Query { Rrf = rrf }, prefetch);
    }
}
