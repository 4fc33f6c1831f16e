using System.Text.RegularExpressions;

namespace DocQa.Core.Evaluation;

/// <summary>
/// The numbers of a text, normalised so that "$82,959", "82,959" and "82959" compare equal:
/// thousands separators, '$' and '%' removed, and trailing decimal zeros dropped ("4.50" is "4.5").
/// </summary>
public static partial class AnswerNumbers
{
    // A number not glued to letters ("Q3", "FY23", "10-Q" are labels, not figures): digits with optional
    // thousands groups and decimals. A trailing '.' that ends a sentence is not part of the number.
    [GeneratedRegex(@"(?<![\p{L}\d_.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\p{L}\d_]|-\p{L})")]
    private static partial Regex Number();

    // "1. ", "2) " at the start of a line number a list; they are not figures of the answer.
    [GeneratedRegex(@"^[ \t]*\d{1,2}[.)][ \t]", RegexOptions.Multiline)]
    private static partial Regex ListMarker();

    /// <summary>The distinct numbers of a reference answer, without 4-digit years 1900-2100 and list markers.</summary>
    public static IReadOnlyList<string> FromAnswer(string answer)
    {
        var text = ListMarker().Replace(answer, match => new string(' ', match.Length));
        var numbers = new List<string>();
        foreach (Match match in Number().Matches(text))
        {
            if (IsYear(match.Value)) continue;
            var number = Normalise(match.Value);
            if (!numbers.Contains(number)) numbers.Add(number);
        }
        return numbers;
    }

    /// <summary>Every number of a passage, normalised the same way (years kept: they cost nothing here).</summary>
    public static HashSet<string> InText(string text) =>
        Number().Matches(text).Select(m => Normalise(m.Value)).ToHashSet(StringComparer.Ordinal);

    public static string Normalise(string number)
    {
        var plain = number.Replace(",", "").Replace("$", "").Replace("%", "");
        return plain.Contains('.') ? plain.TrimEnd('0').TrimEnd('.') : plain;
    }

    /// <summary>A bare 4-digit number from 1900 to 2100 is taken for a year ("2,023" or "2023.5" are not).</summary>
    public static bool IsYear(string number) =>
        number.Length == 4 && number.All(char.IsAsciiDigit) && int.Parse(number) is >= 1900 and <= 2100;
}
