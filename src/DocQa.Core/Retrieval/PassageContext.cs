using System.Text;
using DocQa.Core.Storage;

namespace DocQa.Core.Retrieval;

/// <summary>
/// Retrieved chunks widened with the text around them on their own pages ("small to big"). Chunks are kept small so
/// that their embeddings match precisely, while whoever reads a passage (a person, the extractive answerer, a model)
/// needs what surrounds the match: the sentence before, the rest of the table, the figure on the next line. A chunk
/// already shown in a better-ranked passage's window is not shown again, so the passages do not repeat each other.
/// </summary>
public sealed class PassageContext(IDocumentRecords records, int maxChars)
{
    /// <summary>How many chunks on each side are read; more than a window of a few thousand characters takes.</summary>
    private const int Reach = 4;

    /// <summary>An overlap shorter than this between neighbouring chunks is taken for chance, not for repeated text.</summary>
    private const int MinOverlap = 16;

    /// <summary>The first <paramref name="top"/> of <paramref name="ranked"/> widened, those inside a better one's window left out.</summary>
    public async Task<IReadOnlyList<Passage>> WidenAsync(string index, IReadOnlyList<Passage> ranked, int top, CancellationToken cancellationToken = default)
    {
        if (maxChars <= 0) return ranked.Take(top).ToList();
        var shown = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var widened = new List<Passage>(Math.Min(top, ranked.Count));
        foreach (var passage in ranked)
        {
            if (widened.Count >= top) break;
            if (!shown.TryGetValue(passage.DocumentId, out var used)) shown[passage.DocumentId] = used = [];
            if (used.Contains(passage.Ordinal)) continue;
            var around = await records.ChunkRangeAsync(index, passage.DocumentId, passage.Ordinal - Reach, passage.Ordinal + Reach, cancellationToken)
                .ConfigureAwait(false);
            var (window, ordinals) = Widen(passage, around, used, maxChars);
            used.UnionWith(ordinals);
            widened.Add(window);
        }
        return widened;
    }

    /// <summary>
    /// The passage with the neighbouring chunks of <paramref name="around"/> that lie on its pages and are not in
    /// <paramref name="shown"/>, taken alternately after and before it while the text stays within
    /// <paramref name="maxChars"/>; and the ordinals it covers.
    /// </summary>
    public static (Passage Passage, IReadOnlyList<int> Ordinals) Widen(Passage passage, IReadOnlyList<StoredChunk> around, IReadOnlySet<int> shown, int maxChars)
    {
        var at = -1;
        for (var i = 0; i < around.Count; i++)
            if (around[i].Ordinal == passage.Ordinal) at = i;
        if (at < 0 || passage.Text.Length >= maxChars) return (passage, [passage.Ordinal]);

        bool Fits(int i, int neighbour) =>
            i >= 0 && i < around.Count && around[i].Ordinal == neighbour && !shown.Contains(neighbour)
            && around[i].Page >= passage.Page && around[i].PageEnd <= passage.PageEnd;

        int first = at, last = at, length = passage.Text.Length;
        for (var grew = true; grew;)
        {
            grew = false;
            if (Fits(last + 1, around[last].Ordinal + 1) && length + Own(around[last + 1]) <= maxChars)
            {
                length += Own(around[++last]);
                grew = true;
            }
            if (Fits(first - 1, around[first].Ordinal - 1) && length + Own(around[first - 1]) <= maxChars)
            {
                length += Own(around[--first]);
                grew = true;
            }
        }
        if (first == at && last == at) return (passage, [passage.Ordinal]);

        var text = new StringBuilder();
        int matchStart = 0, matchEnd = 0;
        for (var i = first; i <= last; i++)
        {
            // The matched chunk is taken as it was found; the others as stored.
            var chunkText = i == at ? passage.Text : around[i].Text;
            var repeated = 0;
            if (i > first) (chunkText, repeated) = Continue(text, around[i - 1], around[i], chunkText);
            // The match starts where the chunk does, in what it repeats of the chunk before.
            if (i == at) matchStart = text.Length - repeated;
            text.Append(chunkText);
            if (i == at) matchEnd = text.Length;
        }
        var ordinals = Enumerable.Range(first, last - first + 1).Select(i => around[i].Ordinal).ToList();
        return (passage with { Text = text.ToString(), Match = new TextSpan(matchStart, matchEnd) }, ordinals);

        static int Own(StoredChunk chunk) => chunk.Text.Length - chunk.LeadLength;
    }

    /// <summary>
    /// The text of <paramref name="next"/> as it continues what is written so far: without the lead it repeats (a
    /// split table's caption and header rows), without the sentences it shares with the chunk before (the overlap,
    /// whose length comes back too), and after its section's heading when it starts another section.
    /// </summary>
    private static (string Text, int Repeated) Continue(StringBuilder written, StoredChunk previous, StoredChunk next, string nextText)
    {
        var own = nextText[Math.Clamp(next.LeadLength, 0, nextText.Length)..];
        if (!string.Equals(previous.Heading, next.Heading, StringComparison.Ordinal) && LastHeading(next.Heading) is { } heading
            && !own.StartsWith(heading, StringComparison.Ordinal))
            return ("\n\n" + heading + "\n" + own.TrimStart(), 0);
        var overlap = Overlap(written, own);
        // Without an overlap the chunks met at a line or a sentence; a line break is right for both.
        return overlap > 0 ? (own[overlap..], overlap) : ("\n" + own.TrimStart(), 0);
    }

    /// <summary>The length of the longest start of <paramref name="next"/> that ends <paramref name="written"/>; 0 below <see cref="MinOverlap"/>.</summary>
    internal static int Overlap(StringBuilder written, string next)
    {
        var tail = written.ToString(Math.Max(0, written.Length - Math.Max(next.Length, MinOverlap)), Math.Min(written.Length, Math.Max(next.Length, MinOverlap)));
        for (var start = 0; start + MinOverlap <= tail.Length; start++)
        {
            var length = tail.Length - start;
            if (length <= next.Length && string.CompareOrdinal(tail, start, next, 0, length) == 0)
                return length;
        }
        return 0;
    }

    private static string? LastHeading(string? heading)
    {
        if (string.IsNullOrWhiteSpace(heading)) return null;
        var at = heading.LastIndexOf(" > ", StringComparison.Ordinal);
        return at < 0 ? heading.Trim() : heading[(at + 3)..].Trim();
    }
}
