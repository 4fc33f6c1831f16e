using System.Text;
using UglyToad.PdfPig.Content;

namespace DocQa.Extraction;

/// <summary>One line of a PDF page: its words from left to right, joined by single spaces.</summary>
/// <param name="Baseline">Position of the line across the reading direction; larger is higher on the page.</param>
/// <param name="FontSize">The largest font size on the line, in points.</param>
/// <param name="Bold">Every letter of the line is set in a bold font.</param>
/// <param name="Letters">The number of non-space letters.</param>
/// <param name="Words">The line's words from left to right, with where each starts and ends along the line.</param>
internal sealed record PdfLine(string Text, double Baseline, double FontSize, bool Bold, int Letters, IReadOnlyList<PdfWord> Words);

/// <summary>A word of a <see cref="PdfLine"/>: its text and where it starts and ends along the reading direction.</summary>
internal readonly record struct PdfWord(string Text, double Start, double End);

/// <summary>
/// Builds lines from a page's letters. Letters are grouped by baseline (with a tolerance of half the font
/// size, so superscripts and slightly shifted table cells stay on their line) and sorted left to right; a
/// table row whose cells were drawn separately becomes one line. Words are split at space letters and at
/// gaps wider than a fraction of the font size. Sorting makes this O(n log n) in the letters of a page.
/// </summary>
internal static class PdfLineBuilder
{
    // A gap between letters wider than this share of the font size separates words. A space in common
    // fonts is about a quarter of the size; kerning and letter spacing stay well below this.
    private const double WordGap = 0.15;

    // Letters whose baselines differ by up to this share of the larger font size are on the same line.
    private const double SameLine = 0.5;

    // A baseline shift of more than this share of the font size (a superscript) also separates words.
    private const double BaselineShift = 0.25;

    /// <param name="Start">Where the letter starts along the reading direction.</param>
    /// <param name="End">Where the letter ends along the reading direction.</param>
    /// <param name="Baseline">The letter's baseline across the reading direction; larger is higher.</param>
    private readonly record struct Glyph(string Value, double Start, double End, double Baseline, double Size, bool Bold)
    {
        public bool IsSpace => string.IsNullOrWhiteSpace(Value);
    }

    /// <summary>
    /// The page's lines, one list per text direction (horizontal text first, then rotated text such as
    /// margin notes, the most used direction first), each from top to bottom.
    /// </summary>
    public static List<List<PdfLine>> Build(IReadOnlyList<Letter> letters)
    {
        // Each direction is read in its own frame: along the reading direction, and across it toward the
        // top of the letters. For horizontal text this is simply x and y.
        var directions = new Dictionary<int, List<Glyph>>();
        foreach (Letter letter in letters)
        {
            if (string.IsNullOrEmpty(letter.Value))
                continue;
            int angle = Angle(letter);
            if (!directions.TryGetValue(angle, out List<Glyph>? glyphs))
                directions[angle] = glyphs = new List<Glyph>(letters.Count);
            var start = letter.StartBaseLine;
            var end = letter.EndBaseLine;
            // Some files report no usable point size (odd text matrices); the glyph's height stands in.
            double size = letter.PointSize >= 1 ? letter.PointSize : Math.Max(letter.BoundingBox.Height, 1);
            if (angle == 0)
            {
                glyphs.Add(new Glyph(letter.Value, start.X, end.X, start.Y, size, IsBold(letter)));
                continue;
            }
            double radians = angle * Math.PI / 180;
            double cos = Math.Cos(radians), sin = Math.Sin(radians);
            glyphs.Add(new Glyph(
                letter.Value,
                start.X * cos + start.Y * sin,
                end.X * cos + end.Y * sin,
                start.Y * cos - start.X * sin,
                size,
                IsBold(letter)));
        }

        return directions
            .OrderBy(direction => direction.Key == 0 ? 0 : 1)
            .ThenByDescending(direction => direction.Value.Count)
            .Select(direction => BuildLines(direction.Value))
            .Where(lines => lines.Count > 0)
            .ToList();
    }

    private static List<PdfLine> BuildLines(List<Glyph> list)
    {
        // Sorting plain keys with indices is several times faster than sorting the glyphs themselves.
        int count = list.Count;
        double[] keys = new double[count];
        int[] order = new int[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = -list[i].Baseline;
            order[i] = i;
        }
        Array.Sort(keys, order);
        Glyph[] glyphs = new Glyph[count];
        for (int i = 0; i < count; i++)
            glyphs[i] = list[order[i]];

        var lines = new List<PdfLine>();
        int first = 0;
        while (first < count)
        {
            // The line is the run of letters whose baselines are close to the top one's.
            Glyph top = glyphs[first];
            int end = first + 1;
            while (end < count && top.Baseline - glyphs[end].Baseline <= SameLine * Math.Max(top.Size, glyphs[end].Size))
                end++;
            for (int i = first; i < end; i++)
            {
                keys[i] = glyphs[i].Start;
                order[i] = i;
            }
            Array.Sort(keys, order, first, end - first);
            if (MakeLine(glyphs, order.AsSpan(first, end - first)) is { } line)
                lines.Add(line);
            first = end;
        }
        return lines;
    }

    /// <param name="leftToRight">Indices of the line's glyphs in reading order.</param>
    private static PdfLine? MakeLine(Glyph[] glyphs, ReadOnlySpan<int> leftToRight)
    {
        var text = new StringBuilder();
        var words = new List<PdfWord>();
        int wordStart = 0;
        double wordLeft = 0;
        Glyph? previous = null;
        bool spacePending = false;
        double size = 0, baseline = double.NaN;
        int count = 0, bold = 0;
        foreach (int index in leftToRight)
        {
            Glyph glyph = glyphs[index];
            if (glyph.IsSpace)
            {
                // A space drawn on top of the letter before it (some files put one at the start of a
                // number) separates nothing.
                if (previous is { } before && glyph.Start >= before.End - 0.1 * before.Size)
                    spacePending = true;
                continue;
            }
            if (previous is { } prev)
            {
                // Some PDFs fake bold by drawing each letter twice, a fraction of a point apart.
                if (glyph.Value == prev.Value && Math.Abs(glyph.Start - prev.Start) < 0.3 * Math.Max(prev.End - prev.Start, 0.1 * prev.Size))
                    continue;
                double larger = Math.Max(glyph.Size, prev.Size);
                if (spacePending
                    || glyph.Start - prev.End > WordGap * larger
                    || Math.Abs(glyph.Baseline - prev.Baseline) > BaselineShift * larger)
                {
                    words.Add(new PdfWord(text.ToString(wordStart, text.Length - wordStart), wordLeft, prev.End));
                    text.Append(' ');
                    wordStart = text.Length;
                    wordLeft = glyph.Start;
                }
            }
            else
            {
                wordLeft = glyph.Start;
            }
            text.Append(glyph.Value);
            previous = glyph;
            spacePending = false;
            count++;
            if (glyph.Bold)
                bold++;
            // The line's baseline is that of its largest letters, not of a raised footnote mark.
            if (glyph.Size > size * 1.05 || (glyph.Size > size * 0.95 && glyph.Baseline < baseline))
            {
                baseline = glyph.Baseline;
                size = Math.Max(size, glyph.Size);
            }
        }
        if (count == 0)
            return null;
        words.Add(new PdfWord(text.ToString(wordStart, text.Length - wordStart), wordLeft, previous!.Value.End));
        return new PdfLine(text.ToString(), baseline, size, bold == count, count, words);
    }

    // Reading direction in whole degrees, counter-clockwise from the x axis.
    private static int Angle(Letter letter) => letter.TextOrientation switch
    {
        TextOrientation.Horizontal => 0,
        TextOrientation.Rotate270 => 90,   // text going up
        TextOrientation.Rotate180 => 180,
        TextOrientation.Rotate90 => 270,   // text going down
        _ => AngleOfBaseline(letter),
    };

    private static int AngleOfBaseline(Letter letter)
    {
        double dx = letter.EndBaseLine.X - letter.StartBaseLine.X;
        double dy = letter.EndBaseLine.Y - letter.StartBaseLine.Y;
        if (dx == 0 && dy == 0)
            return 0;
        int degrees = (int)Math.Round(Math.Atan2(dy, dx) * 180 / Math.PI);
        return (degrees + 360) % 360;
    }

    private static bool IsBold(Letter letter)
    {
        if (letter.FontDetails?.IsBold == true)
            return true;
        string? name = letter.FontName;
        return name is not null
            && (name.Contains("Bold", StringComparison.OrdinalIgnoreCase)
                || name.Contains("Black", StringComparison.OrdinalIgnoreCase)
                || name.Contains("Heavy", StringComparison.OrdinalIgnoreCase));
    }
}
