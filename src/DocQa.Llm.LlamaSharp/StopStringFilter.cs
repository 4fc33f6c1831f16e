using System.Text;

namespace DocQa.Llm.LlamaSharp;

/// <summary>
/// Cuts streamed text at the first stop string. Text that could be the start of a stop string is held back
/// until the next piece shows whether it is, so no part of a stop string ever reaches the caller.
/// </summary>
internal sealed class StopStringFilter(IEnumerable<string> stopStrings)
{
    // An empty stop string would end every answer before it starts.
    private readonly string[] _stopStrings = stopStrings.Where(s => s.Length > 0).Distinct().ToArray();
    private readonly StringBuilder _held = new();

    /// <summary>Whether a stop string has been seen; nothing more is passed on after it.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Takes the next piece of text and returns what can be shown now.</summary>
    public string Push(string piece)
    {
        if (Stopped || piece.Length == 0)
        {
            return "";
        }

        var text = _held.Append(piece).ToString();
        _held.Clear();

        var cut = -1;
        foreach (var stop in _stopStrings)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut))
            {
                cut = at;
            }
        }

        if (cut >= 0)
        {
            Stopped = true;
            return text[..cut];
        }

        var keep = PartialStopLength(text);
        _held.Append(text, text.Length - keep, keep);
        return text[..^keep];
    }

    /// <summary>Text still held back once the stream has ended without a stop string.</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _held.ToString();
        _held.Clear();
        return rest;
    }

    // The longest end of the text that is the beginning of some stop string.
    private int PartialStopLength(string text)
    {
        var longest = 0;
        foreach (var stop in _stopStrings)
        {
            for (var n = Math.Min(stop.Length - 1, text.Length); n > longest; n--)
            {
                if (text.AsSpan(text.Length - n).SequenceEqual(stop.AsSpan(0, n)))
                {
                    longest = n;
                    break;
                }
            }
        }

        return longest;
    }
}
