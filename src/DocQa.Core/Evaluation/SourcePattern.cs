using System.Text.RegularExpressions;

namespace DocQa.Core.Evaluation;

/// <summary>File-name patterns of the question file: '*' matches any run of characters, case-insensitive, whole name.</summary>
public static class SourcePattern
{
    public static bool Matches(string pattern, string fileName)
    {
        // Only '*' is special; everything else, dots and brackets included, is literal.
        var regex = "^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + @"\z";
        return Regex.IsMatch(fileName, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    public static bool MatchesAny(IEnumerable<string> patterns, string fileName) =>
        patterns.Any(pattern => Matches(pattern, fileName));
}
