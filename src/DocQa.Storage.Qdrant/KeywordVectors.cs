using DocQa.Core.Retrieval;

namespace DocQa.Storage.Qdrant;

/// <summary>
/// Keyword search as Qdrant sparse vectors: one dimension per term (<see cref="KeywordAnalyzer.TermId"/>). A chunk's
/// weights are BM25's term-frequency part; Qdrant multiplies in each term's IDF (the collection's sparse vector has
/// the IDF modifier), so a query vector with weight 1 per term scores chunks by BM25.
/// </summary>
public static class KeywordVectors
{
    /// <summary>BM25's term-frequency saturation.</summary>
    public const double K1 = 1.2;

    /// <summary>BM25's length normalisation.</summary>
    public const double B = 0.75;

    /// <summary>
    /// The average chunk length, in terms, that lengths are normalised against. Fixed rather than measured: Qdrant
    /// supplies only the IDF, and a running average would change every stored weight as documents come and go. Chunks
    /// are cut to about 220 model tokens, which hold about 120 terms once stop-words are dropped.
    /// </summary>
    public const double AverageLength = 120;

    /// <summary>The sparse vector of a chunk: its heading and its text, as the embedded store's keyword index reads them.</summary>
    public static (float[] Values, uint[] Indices) ForChunk(string text, string? heading)
    {
        var frequencies = KeywordAnalyzer.TermFrequencies(string.IsNullOrEmpty(heading) ? text : heading + "\n" + text);
        var length = frequencies.Values.Sum();
        var weights = new SortedDictionary<uint, double>();
        foreach (var (term, tf) in frequencies)
        {
            var weight = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / AverageLength));
            // Two terms with one id (a hash collision) add up, as one term would.
            var id = KeywordAnalyzer.TermId(term);
            weights[id] = weights.GetValueOrDefault(id) + weight;
        }
        return (weights.Values.Select(w => (float)w).ToArray(), weights.Keys.ToArray());
    }

    /// <summary>The sparse vector of a query: weight 1 per distinct term; empty when nothing in it is searchable.</summary>
    public static (float[] Values, uint[] Indices) ForQuery(string? query)
    {
        var ids = KeywordAnalyzer.QueryTerms(query).Select(KeywordAnalyzer.TermId).Distinct().Order().ToArray();
        return (Enumerable.Repeat(1f, ids.Length).ToArray(), ids);
    }
}
