using System.Text.RegularExpressions;

namespace DocQa.Core.Answering.Generation;

/// <summary>
/// Finds what a written answer took from each source it cites: the text before each [n] marker (back to the
/// marker before it) is the claim that source supports, and the source's sentence or table row sharing the most
/// of that claim's terms is its quote.
/// </summary>
internal static partial class CitedQuotes
{
    /// <summary>The citations with <see cref="Citation.Quote"/> set on those the answer cites, where a sentence of theirs matches.</summary>
    public static IReadOnlyList<Citation> Add(string answer, IReadOnlyList<Citation> citations)
    {
        var claims = Claims(answer, citations.Count);
        return citations
            .Select(c => claims.TryGetValue(c.N, out var claim) && Best(claim, c.Text) is { } quote ? c with { Quote = quote } : c)
            .ToList();
    }

    /// <summary>For each cited source, the text of the answer that cites it.</summary>
    internal static Dictionary<int, string> Claims(string answer, int sourceCount)
    {
        var claims = new Dictionary<int, string>();
        int from = 0;
        foreach (Match group in MarkerGroup().Matches(answer))
        {
            string claim = answer[from..group.Index];
            from = group.Index + group.Length;
            foreach (Match marker in Marker().Matches(group.Value))
            {
                foreach (string number in marker.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries))
                {
                    if (int.TryParse(number, out int n) && n >= 1 && n <= sourceCount)
                        claims[n] = claims.TryGetValue(n, out var earlier) ? earlier + " " + claim : claim;
                }
            }
        }
        return claims;
    }

    /// <summary>The sentence of <paramref name="passage"/> that shares the most terms with <paramref name="claim"/>; null when none shares any.</summary>
    internal static QuoteSpan? Best(string claim, string passage)
    {
        var claimTerms = AnswerText.Terms(claim);
        if (claimTerms.Count == 0)
            return null;
        QuoteSpan? best = null;
        double bestScore = 0;
        foreach (var sentence in AnswerText.Sentences(passage))
        {
            var terms = AnswerText.Terms(sentence.Text);
            if (terms.Count == 0)
                continue;
            // Shared figures say most; the share of the sentence that is shared breaks ties toward the tighter sentence.
            double shared = terms.Where(claimTerms.Contains).Sum(t => char.IsDigit(t[0]) ? 2.0 : 1.0);
            double score = shared + shared / (terms.Count + 1) - (sentence.Fragment ? 0.5 : 0);
            if (shared > 0 && score > bestScore)
            {
                bestScore = score;
                best = new QuoteSpan(sentence.Start, sentence.End);
            }
        }
        return best;
    }

    [GeneratedRegex(@"(?:\[\s*\d{1,3}(?:\s*,\s*\d{1,3})*\s*\]\s*)+")]
    private static partial Regex MarkerGroup();

    [GeneratedRegex(@"\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]")]
    private static partial Regex Marker();
}
