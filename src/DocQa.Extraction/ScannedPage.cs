using System.Globalization;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;

namespace DocQa.Extraction;

/// <summary>
/// Tells a PDF page whose text layer cannot be used: it has none, its letters are mostly broken encodings (no
/// Unicode mapping: replacement, control or private-use characters), or it is an image with next to no text on it
/// (a scan with a stamped page number or an invisible, partial OCR layer). A page without text that draws neither an
/// image nor a curve is blank, or holds only rules and boxes: OCR has nothing to read there.
/// </summary>
internal static class ScannedPage
{
    // A page of prose holds 20 to 40 letters per square inch; a scanned page with a stamp, a few in all.
    private const double SparseLettersPerSquareInch = 1.0;

    public static bool NeedsOcr(Page page, List<List<PdfLine>> lines)
    {
        if (lines.Count == 0)
            return HasImages(page) || HasCurves(page);
        int letters = 0, broken = 0;
        foreach (var letter in page.Letters)
        {
            foreach (char c in letter.Value)
            {
                if (IsBroken(c))
                    broken++;
                else if (char.IsLetterOrDigit(c))
                    letters++;
            }
        }
        if (broken > letters)
            return true;
        double squareInches = page.Width * page.Height / (72.0 * 72.0);
        return letters < SparseLettersPerSquareInch * squareInches && HasImages(page);
    }

    /// <summary>Letters and digits of a page's text layer.</summary>
    public static int Letters(Page page) => page.Letters.Sum(l => Letters(l.Value));

    public static int Letters(string text) => text.Count(char.IsLetterOrDigit);

    private static bool IsBroken(char c) =>
        c == '\uFFFD' || (char.IsControl(c) && !char.IsWhiteSpace(c)) || char.GetUnicodeCategory(c) == UnicodeCategory.PrivateUse;

    /// <summary>Text drawn as outlines rather than letters has curves (o, e, s); rules, boxes and backgrounds do not.</summary>
    private static bool HasCurves(Page page)
    {
        try
        {
            return page.Paths.Any(path => path.Any(subpath => subpath.Commands.Any(
                command => command is PdfSubpath.CubicBezierCurve or PdfSubpath.QuadraticBezierCurve)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return true; // unreadable drawing: let OCR look
        }
    }

    private static bool HasImages(Page page)
    {
        try
        {
            return page.GetImages().Any();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false; // a broken image cannot be read by OCR either
        }
    }
}
