using DocQa.Core.Retrieval;

namespace DocQa.Storage.Qdrant;

/// <summary>
/// Keyword search as Qdrant sparse vectors: one dimension per term (<see cref="KeywordAnalyzer.TermId"/>). A chunk's
/// weights are <see cref="Bm25.TermWeight"/>, its terms counted as the embedded store counts them; Qdrant multiplies
/// in each term's IDF (the collection's sparse vector has the IDF modifier, the formula of <see cref="Bm25.Idf"/>),
/// so a query vector with weight 1 per term scores chunks by the same BM25 as the embedded store.
/// </summary>
public static class KeywordVectors
{
    /// <summary>The sparse vector of a chunk: its heading and its text, as the embedded store's keyword index reads them.</summary>
    public static (float[] Values, uint[] Indices) ForChunk(string text, string? heading)
    {
        var (frequencies, length) = Bm25.ChunkTerms(text, heading);
        var weights = new SortedDictionary<uint, float>();
        foreach (var (term, tf) in frequencies)
        {
            // Two terms with one id (a hash collision) add up, as one term would.
            var id = KeywordAnalyzer.TermId(term);
            weights[id] = weights.GetValueOrDefault(id) + Bm25.TermWeight(tf, length);
        }
        return (weights.Values.ToArray(), weights.Keys.ToArray());
    }

    /// <summary>The sparse vector of a query: weight 1 per distinct term; empty when nothing in it is searchable.</summary>
    public static (float[] Values, uint[] Indices) ForQuery(string? query)
    {
        var ids = KeywordAnalyzer.QueryTerms(query).Select(KeywordAnalyzer.TermId).Distinct().Order().ToArray();
        return (Enumerable.Repeat(1f, ids.Length).ToArray(), ids);
    }
}
