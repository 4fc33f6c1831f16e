namespace DocQa.Core.Chunking;

/// <summary>
/// Splits a line of text into sentences. A sentence ends at '.', '?' or '!' (plus any closing quotes or
/// brackets) when whitespace and then a capital letter or a digit follow. A period after an abbreviation
/// ("Inc.", "Dr."), an initial ("J.") or a dotted word ("U.S.", "e.g.") ends no sentence; "3.5" never has
/// whitespace after its period.
/// </summary>
public static class SentenceSplitter
{
    // Lower-case abbreviations that are usually followed by more of the same sentence.
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "rev", "gov", "sen", "rep",
        "inc", "ltd", "corp", "co", "llc", "plc", "bros", "dept", "univ", "assn",
        "vs", "no", "nos", "fig", "figs", "vol", "pp", "art", "sec", "ref", "eq", "ch", "approx", "cf", "al", "est",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> AbbreviationLookup =
        Abbreviations.GetAlternateLookup<ReadOnlySpan<char>>();

    public static List<string> Split(string text)
    {
        var sentences = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is not ('.' or '?' or '!'))
                continue;

            // The sentence takes any run of terminal punctuation and closing quotes/brackets with it ("...", "?!", ".)").
            int end = i + 1;
            while (end < text.Length && (text[end] is '.' or '?' or '!' || IsCloser(text[end])))
                end++;
            if (end >= text.Length || !char.IsWhiteSpace(text[end]))
            {
                i = end - 1;
                continue;
            }

            int next = end;
            while (next < text.Length && char.IsWhiteSpace(text[next]))
                next++;
            if (next >= text.Length)
                break;

            if (!StartsSentence(text, next) || (c == '.' && end == i + 1 && IsAbbreviation(text, start, i)))
            {
                i = end - 1;
                continue;
            }

            Add(sentences, text, start, end);
            start = next;
            i = next - 1;
        }
        Add(sentences, text, start, text.Length);
        return sentences;
    }

    private static void Add(List<string> sentences, string text, int start, int end)
    {
        string sentence = text[start..end].Trim();
        if (sentence.Length > 0)
            sentences.Add(sentence);
    }

    private static bool IsCloser(char c) => c is '"' or '\'' or ')' or ']' or '\u201D' or '\u2019';

    private static bool StartsSentence(string text, int at)
    {
        // An opening quote or bracket may come before the first letter.
        if ((text[at] is '"' or '\'' or '(' or '[' or '\u201C' or '\u2018') && at + 1 < text.Length)
            at++;
        return char.IsUpper(text[at]) || char.IsDigit(text[at]);
    }

    /// <summary>Whether the word that ends at the period <paramref name="dot"/> is an abbreviation or an initial.</summary>
    private static bool IsAbbreviation(string text, int sentenceStart, int dot)
    {
        int wordStart = dot;
        while (wordStart > sentenceStart && !char.IsWhiteSpace(text[wordStart - 1]))
            wordStart--;
        while (wordStart < dot && text[wordStart] is '(' or '[' or '"' or '\'' or '\u201C' or '\u2018')
            wordStart++;

        var word = text.AsSpan(wordStart, dot - wordStart);
        if (word.Length == 0)
            return false;
        if (word.Contains('.'))
            return true; // U.S., e.g., i.e., Ph.D
        if (word.Length == 1 && char.IsLetter(word[0]))
            return true; // an initial: "John F. Kennedy"
        return AbbreviationLookup.Contains(word);
    }
}
