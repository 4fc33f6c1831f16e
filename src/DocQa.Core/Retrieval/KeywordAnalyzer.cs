using System.Globalization;
using System.Text;

namespace DocQa.Core.Retrieval;

/// <summary>
/// Turns text into keyword terms, the same way for documents and for queries, so that every keyword backend (the
/// embedded index, Qdrant's sparse vectors) matches the same words: lower case without diacritics, numbers kept whole
/// ("81,797" is one term, as is "3.5"), possessives and plural endings removed, stop-words dropped.
/// </summary>
public static class KeywordAnalyzer
{
    /// <summary>Most terms one query may have; longer input is cut, to keep queries cheap.</summary>
    public const int MaxQueryTerms = 32;

    /// <summary>Longer runs are not words (hashes, base64, table rules) and would only bloat the index.</summary>
    private const int MaxTermLength = 40;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
        "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i", "if", "in",
        "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "than", "that", "the",
        "their", "them", "then", "there", "these", "they", "this", "those", "to", "us", "was", "we", "were", "what",
        "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
    };

    /// <summary>Every term of a text in order, repeats included (a document's terms, for term frequencies).</summary>
    public static List<string> Terms(string? text)
    {
        var terms = new List<string>();
        Analyze(text, term =>
        {
            if (!StopWords.Contains(term)) terms.Add(term);
        });
        return terms;
    }

    /// <summary>Term frequencies of a text.</summary>
    public static Dictionary<string, int> TermFrequencies(string? text)
    {
        var frequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        Analyze(text, term =>
        {
            if (StopWords.Contains(term)) return;
            frequencies[term] = frequencies.GetValueOrDefault(term) + 1;
        });
        return frequencies;
    }

    /// <summary>
    /// The distinct terms of a query, at most <see cref="MaxQueryTerms"/>. A query made only of stop-words
    /// ("The Who") searches for nothing: documents are indexed without them.
    /// </summary>
    public static IReadOnlyList<string> QueryTerms(string? text)
    {
        var terms = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Analyze(text, term =>
        {
            if (terms.Count < MaxQueryTerms && !StopWords.Contains(term) && seen.Add(term)) terms.Add(term);
        });
        return terms;
    }

    /// <summary>A stable 32-bit id of a term (FNV-1a of its UTF-8 bytes), for sparse vectors whose dimensions are numbers.</summary>
    public static uint TermId(string term)
    {
        var hash = 2166136261u;
        Span<byte> buffer = stackalloc byte[MaxTermLength * 4];
        var length = Encoding.UTF8.GetBytes(term.AsSpan(0, Math.Min(term.Length, MaxTermLength)), buffer);
        foreach (var b in buffer[..length])
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash;
    }

    /// <summary>Calls <paramref name="emit"/> with each normalised token of the text, stop-words included.</summary>
    private static void Analyze(string? text, Action<string> emit)
    {
        if (string.IsNullOrEmpty(text)) return;
        var token = new StringBuilder(32);
        var hasDigit = false;
        var hasLetter = false;

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                token.Append(c);
                hasDigit |= char.IsDigit(c);
                hasLetter |= char.IsLetter(c);
                continue;
            }
            if (IsMark(c)) continue; // a combining accent: "e" + U+0301 is "e", as "é" is

            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            var previous = token.Length > 0 ? token[^1] : '\0';
            // Inside a number: "81,797" -> 81797 (thousands separator), "3.5" stays 3.5 (decimal point).
            if ((c == ',' || c == '.') && char.IsDigit(previous) && char.IsDigit(next) && !hasLetter)
            {
                if (c == '.') token.Append('.');
                continue;
            }
            // Apostrophes: "Apple's" -> apple (possessive), "don't" -> dont.
            if ((c == '\'' || c == '\u2019') && char.IsLetter(previous) && char.IsLetter(next))
            {
                var possessive = (next == 's' || next == 'S') && (i + 2 >= text.Length || !char.IsLetterOrDigit(text[i + 2]));
                if (possessive) i++;
                continue;
            }
            Flush();
        }
        Flush();

        void Flush()
        {
            if (token.Length > 0 && token.Length <= MaxTermLength)
            {
                var term = RemoveDiacritics(token.ToString().ToLowerInvariant());
                if (!hasDigit) term = Stem(term);
                if (term.Length > 0) emit(term);
            }
            token.Clear();
            hasDigit = hasLetter = false;
        }
    }

    private static bool IsMark(char c) => CharUnicodeInfo.GetUnicodeCategory(c)
        is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    // Base letters of U+00E0..U+00FF and U+0100..U+017F (lower case), for folding without Unicode normalisation,
    // which invariant globalization does not provide.
    private const string Latin1Bases = "aaaaaaaceeeeiiiidnooooo\u00f7ouuuuy\u00fey";
    private const string LatinExtendedABases =
        "aaaaaaccccccccdd" + "ddeeeeeeeeeegggg" + "gggghhhhiiiiiiii" + "iiiijjkkklllllll" +
        "lllnnnnnnnnnoooo" + "oooorrrrrrssssss" + "ssttttttuuuuuuuu" + "uuuuwwyyyzzzzzzs";

    /// <summary>Latin letters without their accents ("résumé" -> "resume"); other scripts stay as they are.</summary>
    private static string RemoveDiacritics(string term)
    {
        if (!term.Any(c => c is >= '\u00e0' and <= '\u017f')) return term;
        return string.Create(term.Length, term, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c switch
                {
                    >= '\u00e0' and <= '\u00ff' => Latin1Bases[c - '\u00e0'],
                    >= '\u0100' and <= '\u017f' => LatinExtendedABases[c - '\u0100'],
                    _ => c,
                };
            }
        });
    }

    /// <summary>
    /// Harman's "S" stemmer: plural endings only. It merges "sales" with "sale" and "liabilities" with "liability"
    /// without the over-stemming of Porter's algorithm ("general" and "generate" stay apart).
    /// </summary>
    internal static string Stem(string word)
    {
        if (word.Length < 4 || word[^1] != 's') return word;
        if (word.EndsWith("ies", StringComparison.Ordinal) && !word.EndsWith("eies", StringComparison.Ordinal) && !word.EndsWith("aies", StringComparison.Ordinal))
            return word[..^3] + "y";
        if (word.EndsWith("es", StringComparison.Ordinal) && !word.EndsWith("aes", StringComparison.Ordinal) && !word.EndsWith("ees", StringComparison.Ordinal) && !word.EndsWith("oes", StringComparison.Ordinal))
            return word[..^1];
        if (word.EndsWith("us", StringComparison.Ordinal) || word.EndsWith("ss", StringComparison.Ordinal))
            return word;
        return word[..^1];
    }
}
