using System.Text;
using System.Text.RegularExpressions;
using DocQa.Core.Chunking;
using DocQa.Core.Retrieval;
using DocQa.Core.Understanding;

namespace DocQa.Core.Answering;

/// <summary>A candidate sentence of a passage and where it is in the passage's text (End exclusive).</summary>
internal readonly record struct PassageSentence(string Text, int Start, int End)
{
    /// <summary>The passage starts or ends inside this sentence: it is not whole.</summary>
    public bool Fragment { get; init; }

    /// <summary>The sentence introduces the table right after it: its rows answer, it does not.</summary>
    public bool Caption { get; init; }

    /// <summary>The table row this is, when it is a row of a table.</summary>
    public TableRow? Row { get; init; }
}

/// <summary>Text helpers of the extractive answerer: candidate sentences and content terms.</summary>
internal static partial class AnswerText
{
    /// <summary>
    /// Words an answer is not matched on, beyond <see cref="KeywordAnalyzer"/>'s stop-words: the words of a request
    /// ("tell", "describe", "document") and function words ("more", "between", "may"). The keyword index keeps them,
    /// its IDF over all chunks makes them weigh little and "May" may be a month; the answerer weighs a question's
    /// terms against a few candidates only, where one of these would count as much as a word of the topic.
    /// </summary>
    private static readonly HashSet<string> NotAnswerWords = new(StringComparer.Ordinal)
    {
        "without", "over", "under", "between", "during", "before", "being", "am", "done", "having", "should", "shall",
        "may", "might", "must", "whose", "mine", "some", "each", "every", "much", "many", "more", "most", "other",
        "such", "own", "same", "nor", "only", "very", "too", "just", "up", "down", "out", "off",
        "tell", "please", "give", "show", "find", "list", "describe", "explain", "say", "says", "said",
        "according", "document", "documents",
    };

    /// <summary>
    /// The candidate sentences of a passage: its lines, with wrapped lines of prose joined back (a PDF breaks
    /// sentences across lines), each split into sentences. A table row, or a line that ends in a number, stays
    /// a candidate of its own; the header rows of a table are no candidates, they describe its rows. Each
    /// sentence knows where it stands in the passage's text, and whether it is a fragment: the passage starts
    /// or ends inside it.
    /// </summary>
    public static List<PassageSentence> Sentences(string passageText)
    {
        var sentences = new List<PassageSentence>();
        var logical = new StringBuilder();
        var map = new List<int>(); // where each character of the logical line is in the passage
        var table = new List<(string Text, int Start, int End)>();
        string previous = "";
        int lineStart = 0;
        while (lineStart <= passageText.Length)
        {
            int newline = passageText.IndexOf('\n', lineStart);
            int lineEnd = newline < 0 ? passageText.Length : newline;
            int start = lineStart, end = lineEnd;
            while (start < end && char.IsWhiteSpace(passageText[start]))
                start++;
            while (end > start && char.IsWhiteSpace(passageText[end - 1]))
                end--;
            string line = passageText[start..end];
            lineStart = lineEnd + 1;

            if (line.Length == 0 || TextTable.IsRow(line))
            {
                // A blank line ends a paragraph; a table row ends it too and starts or continues a table.
                Flush();
                previous = "";
                if (line.Length > 0)
                    table.Add((line, start, end));
                else
                    FlushTable();
                continue;
            }
            FlushTable();
            if (logical.Length > 0 && !Continues(previous, line))
                Flush();
            if (logical.Length > 0 && logical[^1] != '-')
            {
                logical.Append(' ');
                map.Add(start - 1);
            }
            logical.Append(line);
            for (int i = start; i < end; i++)
                map.Add(i);
            previous = line;
        }
        Flush();
        FlushTable();
        MarkFragments(passageText, sentences);
        return sentences;

        void Flush()
        {
            if (logical.Length == 0)
                return;
            string text = logical.ToString();
            int cursor = 0;
            foreach (string sentence in SentenceSplitter.Split(text))
            {
                int at = text.IndexOf(sentence, cursor, StringComparison.Ordinal);
                if (at < 0)
                    continue;
                cursor = at + sentence.Length;
                sentences.Add(new PassageSentence(sentence, map[at], map[cursor - 1] + 1));
            }
            logical.Clear();
            map.Clear();
        }

        void FlushTable()
        {
            if (table.Count == 0)
                return;
            var (_, rows) = TextTable.Read(table.Select(r => r.Text).ToList(), passageText[..table[0].Start]);
            // The line that introduces the table ("… were as follows (in millions):") is read with its rows, not alone.
            if (sentences.Count > 0 && sentences[^1] is { Row: null } last && last.Text.EndsWith(':')
                && passageText.AsSpan(last.End, table[0].Start - last.End).IsWhiteSpace())
            {
                sentences[^1] = last with { Caption = true };
            }
            foreach (var (index, row) in rows)
            {
                var (text, start, end) = table[index];
                sentences.Add(new PassageSentence(text, start, end) { Row = row });
            }
            table.Clear();
        }
    }

    /// <summary>
    /// A passage cut from a longer text may start or end in the middle of a sentence: its first sentence is a
    /// fragment when it starts with a lower-case word or closes a quote or bracket it never opened; its last when
    /// it breaks off (a hyphen, a comma, a trailing "of the", or a long run of words without an end).
    /// </summary>
    private static void MarkFragments(string passageText, List<PassageSentence> sentences)
    {
        if (sentences.Count == 0)
            return;
        int first = 0;
        while (first < passageText.Length && char.IsWhiteSpace(passageText[first]))
            first++;
        int last = passageText.Length;
        while (last > 0 && char.IsWhiteSpace(passageText[last - 1]))
            last--;

        for (int i = 0; i < sentences.Count; i++)
        {
            var s = sentences[i];
            if (s.Row is not null)
                continue;
            if ((s.Start == first && StartsMidSentence(s.Text)) || (s.End == last && EndsMidSentence(s.Text)))
                sentences[i] = s with { Fragment = true };
        }
    }

    /// <summary>
    /// Whether a sentence starts in the middle of one: a lower-case first word ("compared to the second quarter…"),
    /// or a quote or bracket it closes without opening. A PDF's layout cuts prose this way inside a passage too.
    /// </summary>
    public static bool StartsMidSentence(string sentence)
    {
        string firstWord = sentence.Split(' ', 2)[0];
        if (firstWord.Length > 0 && char.IsLetter(firstWord[0]) && !firstWord.Any(char.IsUpper))
            return true; // "millions, except…", but not "iPhone"
        if (sentence.Length > 0 && sentence[0] is ',' or ';' or '.' or ')' or ']' or '}' or '\u201D')
            return true;
        // A quote or bracket closed before any was opened: 'Information and Geographic Data" for the three-'.
        for (int i = 0; i < sentence.Length; i++)
        {
            char c = sentence[i];
            if (c is '(' or '[' or '\u201C')
                return false;
            if (c is ')' or ']' or '\u201D' && i > 2)
                return true;
            if (c == '"')
            {
                bool afterWord = i > 0 && !char.IsWhiteSpace(sentence[i - 1]);
                bool beforeWord = i + 1 < sentence.Length && char.IsLetterOrDigit(sentence[i + 1]);
                return afterWord && !beforeWord;
            }
        }
        return false;
    }

    private static bool EndsMidSentence(string sentence)
    {
        string end = sentence.TrimEnd();
        if (end.Length == 0)
            return false;
        char c = end[^1];
        if (c is '-' or ',' or ';' or '(' or '\u2013' or '\u2014')
            return true;
        if (!char.IsLower(c))
            return false;
        var words = end.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return KeywordAnalyzer.Terms(words[^1], NotAnswerWords).Count == 0 || words.Length >= 12;
    }

    // Words that never end a sentence: a line ending on one of them carries on in the next.
    private static readonly HashSet<string> Connectives = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "and", "or", "but", "as", "than",
        "that", "which", "whose", "into", "onto", "over", "under", "between", "its", "their", "our", "is", "are", "was", "were",
    };

    /// <summary>Whether <paramref name="next"/> carries on the prose line before it rather than starting a new line.</summary>
    private static bool Continues(string previous, string next)
    {
        char last = previous[^1];
        char first = next[0];
        if (last is ',' or '-')
            return true;
        // "… lower net sales of" / "MacBook Pro.": a line that ends on a word such as "of" or "the" goes on.
        int space = previous.LastIndexOf(' ');
        if (char.IsLower(last) && Connectives.Contains(previous[(space + 1)..]))
            return true;
        return char.IsLower(last) && (char.IsLower(first) || char.IsDigit(first) || first is '$' or '(' or '%');
    }

    /// <summary>
    /// The distinct content terms of a text: <see cref="KeywordAnalyzer"/>'s terms, as the keyword index has them
    /// ("81,797" as 81797, "sales" as "sale"), without <see cref="NotAnswerWords"/> and one-letter words.
    /// </summary>
    public static HashSet<string> Terms(string text) =>
        KeywordAnalyzer.Terms(text, NotAnswerWords).Where(t => t.Length > 1 || char.IsDigit(t[0])).ToHashSet(StringComparer.Ordinal);

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

    /// <summary>The numbers a text states, as they are written ("81,797", "12.5", "2023").</summary>
    public static HashSet<string> Numbers(string text) => NumberValue.Matches(text).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    private static readonly Regex NumberValue = new(@"\d+(?:[.,]\d+)*", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>Whether a candidate states a figure (a year alone does not count).</summary>
    public static bool HasQuantity(string sentence) => Figure.IsMatch(sentence);

    /// <summary>
    /// Whether a candidate states a figure of the kind the question expects: an amount is money or a number of
    /// three or more digits, not a percentage; a percentage has its sign; anything else takes any figure.
    /// </summary>
    public static bool HasQuantity(string sentence, AnswerType expected) => expected switch
    {
        AnswerType.Amount => AmountFigure.IsMatch(sentence),
        AnswerType.Percentage => sentence.Contains('%') || sentence.Contains("percent", StringComparison.OrdinalIgnoreCase),
        _ => Figure.IsMatch(sentence),
    };

    private static readonly Regex AmountFigure = new(
        @"[$€£¥]\s?\d|\d\s*(million|billion|thousand)\b|\b(?!(19|20)\d\d\b)\d{1,3}(,\d{3})+\b|\b(?!(19|20)\d\d\b)\d{3,}\b(?!\s?%)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>
    /// The label of a line that reads as a table row without cell marks ("Revenue $ 7,192 $ 6,051 19 %"): the
    /// words before its first figure, when only figures follow them. Null for any other line.
    /// </summary>
    public static string? FigureLineLabel(string line)
    {
        var m = FigureLine.Match(line);
        return m.Success ? m.Groups[1].Value.Trim() : null;
    }

    private static readonly Regex FigureLine = new(
        @"^([\p{L}][\p{L}\s,&'’()/-]*?)\s+(?=[$€£¥(]?\s?\d)((?:[$€£¥]?\s?\(?\d[\d,.]*\)?\s?(?:%|pts)?\s*)+)$",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>
    /// Whether a line is a heading ("NOTE 1 — ACCOUNTING POLICIES", "Stock Repurchase Activity"): a few words, in
    /// capitals or title case, with no figure and no closing punctuation. It names a topic; it answers nothing.
    /// </summary>
    public static bool IsHeading(string sentence)
    {
        string text = sentence.Trim();
        if (text.Length == 0 || text[^1] is '.' or '!' or '?' or ':' or ';' or ')' || HasQuantity(text))
            return false;
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.Any(char.IsLetter)).ToList();
        if (words.Count is 0 or > 8)
            return false;
        bool capitals = !text.Any(char.IsLower);
        bool titleCase = words.All(w => w.Length <= 3 || !char.IsLetter(w[0]) || char.IsUpper(w[0]));
        return capitals || titleCase;
    }

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

    /// <summary>
    /// Whether a line is text of a graphic read in layout order rather than a sentence: the labels of side-by-side
    /// boxes come out interleaved ("Gross margin Gross margin Diluted EPS Diluted EPS"), a pair of words repeated
    /// at once, which prose does not do.
    /// </summary>
    public static bool IsInterleaved(string sentence)
    {
        var words = Word().Matches(sentence).Select(m => m.Value).ToList();
        for (int i = 0; i + 3 < words.Count; i++)
        {
            if (string.Equals(words[i], words[i + 2], StringComparison.OrdinalIgnoreCase)
                && string.Equals(words[i + 1], words[i + 3], StringComparison.OrdinalIgnoreCase)
                && !string.Equals(words[i], words[i + 1], StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();

    /// <summary>Shortens a very long candidate at a word boundary for display.</summary>
    public static string Shorten(string sentence, int maxChars)
    {
        if (sentence.Length <= maxChars)
            return sentence;
        int cut = sentence.LastIndexOf(' ', maxChars);
        return sentence[..(cut > maxChars / 2 ? cut : maxChars)].TrimEnd() + "\u2026";
    }
}
