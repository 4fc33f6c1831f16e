namespace DocQa.Core.Retrieval;

/// <summary>
/// The one keyword scoring of every backend: BM25 over <see cref="KeywordAnalyzer"/>'s terms, a chunk's heading
/// counting <see cref="DefaultHeadingWeight"/> times. The embedded store computes the whole score; for Qdrant, DocQa
/// stores <see cref="TermWeight"/> in a chunk's sparse vector and Qdrant multiplies in <see cref="Idf"/> (its IDF
/// modifier uses the same formula), so both rank a query's chunks in the same order.
/// </summary>
public static class Bm25
{
    /// <summary>Term-frequency saturation.</summary>
    public const float K1 = 1.2f;

    /// <summary>Length normalisation.</summary>
    public const float B = 0.75f;

    /// <summary>How many times a heading term counts: the heading (a section path that starts with the document's title) names what a chunk is about.</summary>
    public const int DefaultHeadingWeight = 2;

    /// <summary>
    /// The chunk length, in terms, that lengths are normalised against. Fixed rather than measured: Qdrant supplies
    /// only the IDF, and a running average would change every stored weight as documents come and go, so both
    /// backends use this. It is what a full chunk at the default size (Chunking:TargetTokens, 220 model tokens) holds
    /// once stop-words are dropped, measured on business filings: about 87 terms, the heading counted once.
    /// </summary>
    public const float AverageLength = 87;

    /// <summary>
    /// A chunk's terms with their weighted frequencies, and its length: a heading term counts
    /// <paramref name="headingWeight"/> times in the frequency (BM25F with a boosted field) but once in the length,
    /// so a long heading does not make the chunk read as long.
    /// </summary>
    public static (Dictionary<string, int> Frequencies, int Length) ChunkTerms(string text, string? heading, int headingWeight = DefaultHeadingWeight)
    {
        var frequencies = KeywordAnalyzer.TermFrequencies(text);
        var length = frequencies.Values.Sum();
        if (!string.IsNullOrEmpty(heading) && headingWeight > 0)
            foreach (var (term, count) in KeywordAnalyzer.TermFrequencies(heading))
            {
                frequencies[term] = frequencies.GetValueOrDefault(term) + headingWeight * count;
                length += count;
            }
        return (frequencies, length);
    }

    /// <summary>A term's weight in a chunk of <paramref name="length"/> terms where it occurs <paramref name="frequency"/> times: BM25 without the IDF.</summary>
    public static float TermWeight(float frequency, float length) =>
        frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / AverageLength));

    /// <summary>The inverse document frequency of a term found in <paramref name="matching"/> of <paramref name="chunks"/> chunks (Lucene's and Qdrant's form, never negative).</summary>
    public static float Idf(long chunks, long matching) =>
        MathF.Log(1 + (chunks - matching + 0.5f) / (matching + 0.5f));
}
