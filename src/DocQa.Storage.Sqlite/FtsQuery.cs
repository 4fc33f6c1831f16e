using System.Globalization;
using System.Text;

namespace DocQa.Storage.Sqlite;

/// <summary>
/// Turns free text into a safe FTS5 MATCH expression: every word becomes a quoted phrase of lower-case tokens and the
/// phrases are OR-ed, so user text can never use FTS5 syntax (NEAR, *, column filters, unbalanced quotes), and a long
/// question still finds chunks that share only some of its words. BM25 then ranks chunks with more and rarer terms first.
/// </summary>
internal static class FtsQuery
{
    /// <summary>Most terms one query may have; longer input is cut, to keep queries cheap.</summary>
    public const int MaxTerms = 32;

    // Words so common in questions that OR-ing them would match almost every chunk.
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
        "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i", "if", "in",
        "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "than", "that", "the",
        "their", "them", "then", "there", "these", "they", "this", "those", "to", "us", "was", "we", "were", "what",
        "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
    };

    /// <summary>The MATCH expression, or null when the text has nothing searchable in it.</summary>
    public static string? Build(string? text) => Match(Terms(text));

    /// <summary>OR-ed quoted terms, or null when there are none.</summary>
    public static string? Match(IEnumerable<string> terms)
    {
        var quoted = terms.Take(MaxTerms).Select(term => $"\"{term}\"").ToList();
        return quoted.Count == 0 ? null : string.Join(" OR ", quoted);
    }

    /// <summary>
    /// The search terms of free text: each word as its lower-case tokens joined by spaces (one token for most words),
    /// without duplicates and stop-words.
    /// </summary>
    public static IReadOnlyList<string> Terms(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];

        var kept = new List<string>();
        var stopped = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in Composed(text).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            // "81,797" -> "81 797": the unicode61 tokenizer split the document text at the comma too, and a quoted
            // phrase of the parts matches exactly those adjacent tokens.
            var tokens = Tokens(word);
            if (tokens.Count == 0) continue;
            var phrase = string.Join(' ', tokens);
            if (!seen.Add(phrase)) continue;
            (tokens.Count == 1 && StopWords.Contains(phrase) ? stopped : kept).Add(phrase);
        }

        // A question made only of stop-words ("The Who") still searches for them rather than for nothing.
        return (kept.Count > 0 ? kept : stopped).Take(MaxTerms).ToList();
    }

    /// <summary>Composed form (é as one character, as documents usually have it); text with broken surrogates stays as it is.</summary>
    private static string Composed(string text)
    {
        try
        {
            return text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return text;
        }
    }

    /// <summary>
    /// Splits a word the way unicode61 does: letters, digits and marks form tokens, anything else separates them.
    /// Tokens hold no quote or operator characters, so quoting them is enough to make them literal.
    /// </summary>
    internal static List<string> Tokens(string word)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var hasBase = false; // a run of bare diacritics is no token: the tokenizer would strip it to nothing
        foreach (var rune in word.EnumerateRunes())
        {
            switch (Rune.GetUnicodeCategory(rune))
            {
                case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                    or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                    or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                    or UnicodeCategory.PrivateUse:
                    current.Append(Rune.ToLowerInvariant(rune).ToString());
                    hasBase = true;
                    break;
                case UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark:
                    current.Append(rune.ToString());
                    break;
                default:
                    Flush();
                    break;
            }
        }
        Flush();
        return tokens;

        void Flush()
        {
            if (hasBase) tokens.Add(current.ToString());
            current.Clear();
            hasBase = false;
        }
    }
}
