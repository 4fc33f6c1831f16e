using System.Text.RegularExpressions;

namespace DocQa.Core.Understanding;

/// <summary>
/// Acronyms as documents define them: "research and development (“R&amp;D”)", "Service Level Agreement (SLA)". A
/// question that says "R&amp;D" is then matched with text that says "research and development", as its reader would.
/// </summary>
public static partial class Acronyms
{
    /// <summary>The acronyms the texts define, each with its long form as first written; case counts in the acronym.</summary>
    public static IReadOnlyDictionary<string, string> Defined(IEnumerable<string?> texts)
    {
        var definitions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            if (string.IsNullOrEmpty(text)) continue;
            foreach (Match match in Definition().Matches(text))
            {
                var acronym = match.Groups["acronym"].Value;
                if (!definitions.ContainsKey(acronym) && LongForm(match.Groups["words"].Value, acronym) is { } longForm)
                    definitions[acronym] = longForm;
            }
        }
        return definitions;
    }

    /// <summary>The text with each acronym the definitions hold followed by its long form: "R&amp;D (research and development) spending".</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> definitions)
    {
        if (definitions.Count == 0) return text;
        return Acronym().Replace(text, m => definitions.TryGetValue(m.Value, out var longForm)
            && !text.Contains(longForm, StringComparison.OrdinalIgnoreCase) ? $"{m.Value} ({longForm})" : m.Value);
    }

    /// <summary>
    /// The words before an acronym's parentheses that it abbreviates: read back from the last word, each letter of the
    /// acronym (last first) is the initial of the next word, small words ("and", "of") skipped. Null when they do not match.
    /// </summary>
    private static string? LongForm(string words, string acronym)
    {
        var letters = acronym.Where(char.IsUpper).ToList();
        if (letters.Count < 2) return null;
        var list = Word().Matches(words).ToList();
        int next = letters.Count - 1, first = -1;
        for (int i = list.Count - 1; i >= 0 && next >= 0; i--)
        {
            var word = list[i].Value;
            if (char.ToUpperInvariant(word[0]) == letters[next])
            {
                first = i;
                next--;
            }
            else if (!SmallWords.Contains(word.ToLowerInvariant()))
            {
                return null;
            }
        }
        if (next >= 0 || first < 0) return null;
        return words[list[first].Index..].Trim();
    }

    private static readonly HashSet<string> SmallWords = new(StringComparer.Ordinal) { "and", "of", "the", "for", "in", "on", "to", "a", "an" };

    // Up to eight words, then the acronym in parentheses, quoted or not: "research and development (“R&D”)".
    [GeneratedRegex(@"(?<words>(?:[\p{L}][\p{L}'’-]*[ \t]+){1,8})\([ \t]*[""“']?(?<acronym>[A-Z][A-Za-z&./]{1,9})[""”']?[ \t]*\)", RegexOptions.CultureInvariant)]
    private static partial Regex Definition();

    // An acronym in a question: two or more capitals, with '&', '/' or '.' between them ("R&D", "AWS", "M&A").
    [GeneratedRegex(@"(?<![\p{L}&])[A-Z][A-Z&./]*[A-Z](?![\p{L}&])", RegexOptions.CultureInvariant)]
    private static partial Regex Acronym();

    [GeneratedRegex(@"[\p{L}][\p{L}'’-]*")]
    private static partial Regex Word();
}
