using System.Text;
using System.Text.RegularExpressions;
using DocQa.Core.Chunking;

namespace DocQa.Core.Answering;

/// <summary>Text helpers of the extractive answerer: candidate sentences and content terms.</summary>
internal static class AnswerText
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "if", "then", "than", "so", "as", "of", "in", "on", "at", "to", "for",
        "from", "by", "with", "without", "about", "into", "over", "under", "between", "during", "after", "before",
        "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "has", "have", "had",
        "having", "can", "could", "would", "should", "will", "shall", "may", "might", "must",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how",
        "this", "that", "these", "those", "it", "its", "there", "their", "they", "them", "he", "she", "his", "her",
        "we", "our", "us", "you", "your", "i", "me", "my", "mine",
        "any", "all", "some", "each", "every", "much", "many", "more", "most", "other", "such", "own", "same",
        "not", "no", "nor", "only", "very", "too", "also", "just", "up", "down", "out", "off",
        "tell", "please", "give", "show", "find", "list", "describe", "explain", "say", "says", "said",
        "according", "document", "documents",
    };

    /// <summary>
    /// The candidate sentences of a passage: its lines, with wrapped lines of prose joined back (a PDF breaks
    /// sentences across lines), each split into sentences. A table row, or a line that ends in a number, stays
    /// a candidate of its own.
    /// </summary>
    public static IEnumerable<string> Sentences(string passageText)
    {
        var logical = new StringBuilder();
        string previous = "";
        foreach (string raw in passageText.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0)
            {
                // A blank line ends a paragraph.
                foreach (string s in Flush(logical))
                    yield return s;
                continue;
            }
            if (logical.Length > 0 && !Continues(previous, line))
            {
                foreach (string s in Flush(logical))
                    yield return s;
            }
            if (logical.Length > 0 && logical[^1] != '-')
                logical.Append(' ');
            logical.Append(line);
            previous = line;
        }
        foreach (string s in Flush(logical))
            yield return s;
    }

    private static List<string> Flush(StringBuilder logical)
    {
        if (logical.Length == 0)
            return [];
        var sentences = SentenceSplitter.Split(logical.ToString());
        logical.Clear();
        return sentences;
    }

    /// <summary>Whether <paramref name="next"/> carries on the prose line before it rather than starting a new line.</summary>
    private static bool Continues(string previous, string next)
    {
        if (next.Contains(" | ") || previous.Contains(" | "))
            return false; // table rows
        char last = previous[^1];
        char first = next[0];
        if (last is ',' or '-')
            return true;
        return char.IsLower(last) && (char.IsLower(first) || char.IsDigit(first) || first is '$' or '(' or '%');
    }

    /// <summary>
    /// The distinct content terms of a text: lower-cased words and numbers ("81,797" as 81797), stop words and
    /// one-letter words left out, a plural 's' taken off so that "sales" meets "sale".
    /// </summary>
    public static HashSet<string> Terms(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        var term = new StringBuilder();
        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : ' ';
            if (char.IsLetterOrDigit(c))
            {
                term.Append(char.ToLowerInvariant(c));
                continue;
            }
            // Inside a number, a ',' or '.' between digits is part of it.
            if (c is ',' or '.' && term.Length > 0 && char.IsDigit(term[^1]) && i + 1 < text.Length && char.IsDigit(text[i + 1]))
            {
                if (c == '.')
                    term.Append('.');
                continue;
            }
            if (term.Length > 0)
            {
                AddTerm(terms, term.ToString());
                term.Clear();
            }
        }
        return terms;
    }

    private static void AddTerm(HashSet<string> terms, string term)
    {
        if (StopWords.Contains(term))
            return;
        if (term.Length == 1 && !char.IsDigit(term[0]))
            return;
        terms.Add(Stem(term));
    }

    private static string Stem(string term)
    {
        if (term.Length > 4 && term.EndsWith("ies", StringComparison.Ordinal))
            return term[..^3] + "y";
        if (term.Length > 3 && term[^1] == 's' && term[^2] is not ('s' or 'u' or 'i') && char.IsLetter(term[^2]))
            return term[..^1];
        return term;
    }

    private static readonly Regex QuantityQuestion = new(
        @"\b(how\s+(much|many|long|large|big|high|low)|what\s+(percentage|percent|portion|share|proportion)|total|amount|number\s+of|"
        + @"revenues?|sales|income|profits?|loss(es)?|costs?|expenses?|margins?|prices?|values?|rates?|ratio|growth|"
        + @"dividends?|cash|debt|assets|liabilities|earnings|eps|headcount|employees|balance|spend(ing)?)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    // A figure: money, a percentage, a decimal, or a number of three or more digits that is not a year.
    private static readonly Regex Figure = new(
        @"[$€£¥]\s?\d|\d\s?%|\d[.,]\d|\b(?!(19|20)\d\d\b)\d{3,}\b",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>Whether the question asks for an amount, a count or a rate, so that its answer holds a figure.</summary>
    public static bool AsksForQuantity(string question) => QuantityQuestion.IsMatch(question);

    /// <summary>Whether a candidate states a figure (a year alone does not count).</summary>
    public static bool HasQuantity(string sentence) => Figure.IsMatch(sentence);

    /// <summary>Whether a candidate says enough to be an answer: at least two words or numbers.</summary>
    public static bool IsSubstantial(string sentence)
    {
        int words = 0;
        bool inWord = false;
        foreach (char c in sentence)
        {
            bool letterOrDigit = char.IsLetterOrDigit(c);
            if (letterOrDigit && !inWord && ++words >= 2)
                return true;
            inWord = letterOrDigit;
        }
        return false;
    }

    /// <summary>Shortens a very long candidate at a word boundary for display.</summary>
    public static string Shorten(string sentence, int maxChars)
    {
        if (sentence.Length <= maxChars)
            return sentence;
        int cut = sentence.LastIndexOf(' ', maxChars);
        return sentence[..(cut > maxChars / 2 ? cut : maxChars)].TrimEnd() + "\u2026";
    }
}
