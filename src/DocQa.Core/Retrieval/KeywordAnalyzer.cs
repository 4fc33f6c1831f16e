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
    public static List<string> Terms(string? text) => Terms(text, ignored: null);

    /// <summary>
    /// The terms of a text, also without the words of <paramref name="ignored"/> (matched as written, lower case,
    /// before plural endings come off), for matchers that leave out more words than the index does.
    /// </summary>
    public static List<string> Terms(string? text, IReadOnlySet<string>? ignored)
    {
        var terms = new List<string>();
        Analyze(text, ignored, (term, _, _) => terms.Add(term));
        return terms;
    }

    /// <summary>Term frequencies of a text.</summary>
    public static Dictionary<string, int> TermFrequencies(string? text)
    {
        var frequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        Analyze(text, null, (term, _, _) => frequencies[term] = frequencies.GetValueOrDefault(term) + 1);
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
        Analyze(text, null, (term, _, _) =>
        {
            if (terms.Count < MaxQueryTerms && seen.Add(term)) terms.Add(term);
        });
        return terms;
    }

    /// <summary>
    /// The words of <paramref name="texts"/>, as they are written there, that are terms of the query: what a page
    /// marks in the passages it shows ("Sales" and "sale" for "net sales", "81,797" for "81797"). Distinct, ignoring case.
    /// </summary>
    public static IReadOnlyList<string> MatchingWords(string? query, IEnumerable<string?> texts)
    {
        var queryTerms = QueryTerms(query).ToHashSet(StringComparer.Ordinal);
        var words = new List<string>();
        if (queryTerms.Count == 0) return words;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in texts)
            Analyze(text, null, (term, start, end) =>
            {
                if (queryTerms.Contains(term) && seen.Add(text![start..end])) words.Add(text[start..end]);
            });
        return words;
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

    /// <summary>A term and where it is written in the text: from <paramref name="start"/> up to, not including, <paramref name="end"/>.</summary>
    private delegate void TermSink(string term, int start, int end);

    /// <summary>Calls <paramref name="emit"/> with each normalised term of the text, stop-words left out.</summary>
    private static void Analyze(string? text, IReadOnlySet<string>? ignored, TermSink emit)
    {
        if (string.IsNullOrEmpty(text)) return;
        var token = new StringBuilder(32);
        var hasDigit = false;
        var hasLetter = false;
        var (start, end) = (0, 0);

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                if (token.Length == 0) start = i;
                token.Append(c);
                end = i + 1;
                hasDigit |= char.IsDigit(c);
                hasLetter |= char.IsLetter(c);
                continue;
            }
            if (IsMark(c)) // a combining accent: "e" + U+0301 is "e", as "é" is
            {
                if (token.Length > 0) end = i + 1;
                continue;
            }

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
                // Stop-words are known as written: "this" and "does" must not slip through as "thi" and "doe".
                var word = Fold(token.ToString().ToLowerInvariant());
                if (!StopWords.Contains(word) && ignored?.Contains(word) != true)
                    emit(hasDigit ? word : Stem(word), start, end);
            }
            token.Clear();
            hasDigit = hasLetter = false;
        }
    }

    private static bool IsMark(char c) => CharUnicodeInfo.GetUnicodeCategory(c)
        is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>
    /// Letters without their accents ("résumé" -> "resume"), by <see cref="AccentFolding"/>; then, for search only, the
    /// Latin letters that have no decomposition but are read as a base letter ("łódź" -> "lodz", "øre" -> "ore").
    /// The tokenizer of the embedding model must not fold these, its vocabulary keeps them: hence two steps.
    /// </summary>
    private static string Fold(string word)
    {
        if (!word.Any(c => c >= '\u00c0')) return word;
        return string.Create(word.Length, word, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = AccentFolding.Fold(source[i]);
                span[i] = SearchFolds.GetValueOrDefault(c, c);
            }
        });
    }

    private static readonly Dictionary<char, char> SearchFolds = new()
    {
        ['æ'] = 'a', ['ð'] = 'd', ['ø'] = 'o', ['đ'] = 'd', ['ħ'] = 'h', ['ı'] = 'i', ['ĳ'] = 'i', ['ĸ'] = 'k',
        ['ŀ'] = 'l', ['ł'] = 'l', ['ŉ'] = 'n', ['ŋ'] = 'n', ['œ'] = 'o', ['ŧ'] = 't', ['ſ'] = 's',
    };

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
