using System.Text;
using System.Text.RegularExpressions;

namespace DocQa.Core.Answering.Generation;

/// <summary>
/// The [n] markers of a generated answer: which sources they name, and the answer with markers that name no
/// source removed. Also filters a stream of text pieces, holding back a possible marker until it is complete.
/// </summary>
public sealed partial class CitationMarkers(int sourceCount)
{
    private readonly StringBuilder _pending = new();

    /// <summary>Source numbers the text cites, in the order first cited.</summary>
    public static IReadOnlyList<int> Cited(string text, int sourceCount) =>
        Marker().Matches(text)
            .SelectMany(m => Numbers(m.Groups[1].Value))
            .Where(n => n >= 1 && n <= sourceCount)
            .Distinct()
            .ToList();

    /// <summary>The text with markers naming no source dropped ("[7]" with 3 sources; "[2, 9]" becomes "[2]").</summary>
    public static string Clean(string text, int sourceCount)
    {
        var cleaned = Marker().Replace(text, m =>
        {
            var valid = Numbers(m.Groups[1].Value).Where(n => n >= 1 && n <= sourceCount).Distinct().ToList();
            return valid.Count == 0 ? "" : string.Concat(valid.Select(n => $"[{n}]"));
        });
        return SpaceBeforePunctuation().Replace(cleaned, "$1").Trim();
    }

    /// <summary>Takes the next piece of a streamed answer; returns what can be shown now, with invalid markers removed.</summary>
    public string Push(string piece)
    {
        _pending.Append(piece);
        var text = _pending.ToString();
        // Hold back from an unclosed '[' that may still become a marker ("[1" or "[1, ").
        var open = text.LastIndexOf('[');
        var cut = open >= 0 && text.IndexOf(']', open) < 0 && open >= text.Length - 12 && MayBecomeMarker(text[(open + 1)..])
            ? open
            : text.Length;
        _pending.Clear().Append(text[cut..]);
        return Marker().Replace(text[..cut], m =>
        {
            var valid = Numbers(m.Groups[1].Value).Where(n => n >= 1 && n <= sourceCount).Distinct().ToList();
            return valid.Count == 0 ? "" : string.Concat(valid.Select(n => $"[{n}]"));
        });
    }

    /// <summary>What is still held back when the stream ends.</summary>
    public string Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    private static bool MayBecomeMarker(string afterBracket) => afterBracket.All(c => char.IsDigit(c) || c is ',' or ' ');

    private static IEnumerable<int> Numbers(string list) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => int.TryParse(n, out var value) ? value : -1);

    [GeneratedRegex(@"\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]")]
    private static partial Regex Marker();

    [GeneratedRegex(@"\s+([.,;:!?])")]
    private static partial Regex SpaceBeforePunctuation();
}
