using System.Text;
using System.Text.RegularExpressions;
using DocQa.Core.Extraction;

namespace DocQa.Extraction;

/// <summary>The lines of one PDF page, grouped by text direction.</summary>
internal sealed record PdfPageLines(int Number, List<List<PdfLine>> Groups);

/// <summary>
/// Turns the lines of all pages into blocks: removes simple page furniture (page numbers, a header or
/// footer repeated on most pages), starts a new block at a vertical gap clearly larger than the line
/// spacing, and marks a few lines as headings.
/// </summary>
internal static partial class PdfBlockBuilder
{
    // A gap between baselines above this many font sizes (or this much more than the page's usual line
    // spacing, for widely spaced text) starts a new block. Lines of a paragraph are 1.1 to 1.3 sizes apart.
    private const double BlockGap = 1.6;
    private const double BlockGapOverSpacing = 1.3;

    public static BlockList Build(IReadOnlyList<PdfPageLines> pages)
    {
        (double bodySize, bool bodyBold) = BodyFont(pages.SelectMany(p => p.Groups).SelectMany(g => g));
        RemoveFurniture(pages, bodySize);

        var blocks = new BlockList();
        foreach (PdfPageLines page in pages)
        {
            foreach (List<PdfLine> lines in page.Groups)
                AddBlocks(lines, page.Number, bodySize, bodyBold, blocks);
        }
        return blocks;
    }

    private static void AddBlocks(List<PdfLine> lines, int page, double bodySize, bool bodyBold, BlockList blocks)
    {
        // A page set larger than the rest of the document (an exhibit, say) measures headings by its own text.
        if (lines.Sum(l => l.Letters) >= 300)
            bodySize = Math.Max(bodySize, BodyFont(lines).Size);
        double blockGap = Math.Max(BlockGap, BlockGapOverSpacing * UsualSpacing(lines));

        // Tables become table blocks; the text between them is read as paragraphs and headings.
        int at = 0;
        foreach (PdfTable table in PdfTableBuilder.Find(lines))
        {
            AddTextBlocks(lines.GetRange(at, table.First - at), page, bodySize, bodyBold, blockGap, blocks);
            blocks.Add(BlockKind.Table, table.Text, page);
            at = table.Last + 1;
        }
        AddTextBlocks(lines.GetRange(at, lines.Count - at), page, bodySize, bodyBold, blockGap, blocks);
    }

    private static void AddTextBlocks(List<PdfLine> lines, int page, double bodySize, bool bodyBold, double blockGap, BlockList blocks)
    {
        var text = new StringBuilder();
        int headingLevel = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            PdfLine line = lines[i];
            bool gapBefore = i == 0 || Gap(lines[i - 1], line) > blockGap;
            bool gapAfter = i == lines.Count - 1 || Gap(line, lines[i + 1]) > blockGap;
            int level = HeadingLevel(line, bodySize, bodyBold, gapBefore && gapAfter);

            // A heading that wraps continues on the next line in the same size; anything else ends it.
            bool continues = !gapBefore && level == headingLevel
                && (level == 0 || Math.Abs(line.FontSize - lines[i - 1].FontSize) < 0.5);
            if (!continues)
                Flush();
            if (text.Length > 0)
                text.Append(level > 0 ? ' ' : '\n');
            text.Append(line.Text);
            headingLevel = level;
        }
        Flush();

        void Flush()
        {
            if (text.Length > 0)
                blocks.Add(headingLevel > 0 ? BlockKind.Heading : BlockKind.Paragraph, text.ToString(), page, headingLevel);
            text.Clear();
        }
    }

    private static double Gap(PdfLine above, PdfLine below) =>
        (above.Baseline - below.Baseline) / Math.Max(1, Math.Max(above.FontSize, below.FontSize));

    /// <summary>The median distance between neighbouring lines, in font sizes.</summary>
    private static double UsualSpacing(List<PdfLine> lines)
    {
        if (lines.Count < 3)
            return 0;
        var gaps = new double[lines.Count - 1];
        for (int i = 1; i < lines.Count; i++)
            gaps[i - 1] = Gap(lines[i - 1], lines[i]);
        Array.Sort(gaps);
        return gaps[gaps.Length / 2];
    }

    /// <summary>
    /// Kept conservative, since a false heading misleads more than a missed one: a short line without a
    /// final period, set clearly larger than the body text, or bold (when the body is not) and standing alone.
    /// </summary>
    private static int HeadingLevel(PdfLine line, double bodySize, bool bodyBold, bool standsAlone)
    {
        string text = line.Text;
        string end = text.TrimEnd('"', '\'', '”', '’', ')', ']');
        if (text.Length > 120 || line.Letters < 2 || !char.IsLetter(text[0]) || end.Length == 0 || end[^1] is '.' or ',' or ';' or ':')
            return 0;
        if (!text.Split(' ', 2)[0].Any(char.IsUpper))
            return 0; // starts in the middle of a sentence
        if (text.Count(char.IsDigit) * 3 > text.Length)
            return 0; // table headers and rows of figures
        if (line.FontSize >= bodySize * 1.6)
            return 1;
        if (line.FontSize >= bodySize * 1.2)
            return 2;
        if (line.Bold && !bodyBold && standsAlone && line.FontSize >= bodySize * 0.95 && text.Split(' ').Length <= 12)
            return 3;
        return 0;
    }

    /// <summary>The most used font size (by letters) and whether most letters are bold.</summary>
    private static (double Size, bool Bold) BodyFont(IEnumerable<PdfLine> lines)
    {
        var letters = new Dictionary<double, int>();
        long total = 0, bold = 0;
        foreach (PdfLine line in lines)
        {
            double size = Math.Round(line.FontSize * 2) / 2;
            letters[size] = letters.GetValueOrDefault(size) + line.Letters;
            total += line.Letters;
            if (line.Bold)
                bold += line.Letters;
        }
        double bodySize = letters.Count == 0 ? 0 : letters.MaxBy(pair => pair.Value).Key;
        return (bodySize, bold * 2 > total);
    }

    /// <summary>
    /// Drops a page's first or last line when it is only a page number ("12", "- 12 -", "Page 12 of 40"),
    /// or when, apart from a trailing number, the same line starts or ends at least half of the pages of a
    /// document of four or more pages ("Table of Contents", "Company | Form 10-Q | 12"). Larger lines are
    /// never dropped as repeated, so that a heading repeated at the top of pages stays.
    /// </summary>
    private static void RemoveFurniture(IReadOnlyList<PdfPageLines> pages, double bodySize)
    {
        var repeated = new Dictionary<string, int>();
        foreach (PdfPageLines page in pages)
        {
            if (page.Groups.Count == 0)
                continue;
            List<PdfLine> lines = page.Groups[0];
            foreach (string key in new[] { lines[0], lines[^1] }.Select(FurnitureKey).Distinct())
                repeated[key] = repeated.GetValueOrDefault(key) + 1;
        }
        int threshold = Math.Max(3, (pages.Count + 1) / 2);

        bool IsFurniture(PdfLine line) =>
            PageNumber().IsMatch(line.Text)
            || (pages.Count >= 4 && line.FontSize < bodySize * 1.15 && repeated.GetValueOrDefault(FurnitureKey(line)) >= threshold);

        foreach (PdfPageLines page in pages)
        {
            if (page.Groups.Count == 0)
                continue;
            List<PdfLine> lines = page.Groups[0];
            if (lines.Count > 0 && IsFurniture(lines[^1]))
                lines.RemoveAt(lines.Count - 1);
            if (lines.Count > 0 && IsFurniture(lines[0]))
                lines.RemoveAt(0);
            if (lines.Count == 0)
                page.Groups.RemoveAt(0);
        }
    }

    private static string FurnitureKey(PdfLine line) => TrailingNumber().Replace(line.Text, "");

    [GeneratedRegex(@"^(page\s+)?[-–—]?\s*(\d{1,4}|(?-i:[ivxlc]{1,7}))\s*[-–—]?(\s+of\s+\d{1,4})?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PageNumber();

    [GeneratedRegex(@"[\s|\-–—]*\d{1,4}\s*$")]
    private static partial Regex TrailingNumber();
}
