using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Ocr;

/// <summary>What the extractors need of OCR: whether it can run, a PDF page's or an image's text, and how to say what was not read.</summary>
internal sealed class OcrReader(OcrOptions options, IOcrEngine engine, IPageRasterizer rasterizer)
{
    // A page rendered wider or taller than this many pixels is rendered at a lower resolution: a page declared
    // metres wide must not become gigapixels.
    private const int MaxPixels = 10_000;

    public OcrOptions Options => options;

    /// <summary>Called after each page read.</summary>
    public Action? PageRead { get; set; }

    /// <summary>The engine's status, unavailable as well when PDF pages cannot be rendered.</summary>
    public OcrStatus Status => engine.Status is { Available: true } status && rasterizer.Problem is { } problem
        ? status with { Available = false, Problem = problem }
        : engine.Status;

    /// <summary>Why pages without text cannot be read here, as the end of a sentence ("OCR is not installed (...)"); null when they can.</summary>
    public string? WhyNot(bool pdf) =>
        !options.Enabled ? "OCR is turned off (Ocr:Enabled)" : engine.Status.Problem ?? (pdf ? rasterizer.Problem : null);

    /// <summary>The text of one PDF page, rendered at Ocr:Dpi (less for a huge page) and read by the engine.</summary>
    public string ReadPdfPage(string pdfPath, int page, double widthPoints, double heightPoints, CancellationToken cancellationToken)
    {
        double longest = Math.Max(Math.Max(widthPoints, heightPoints), 1) / 72.0; // inches
        int dpi = (int)Math.Clamp(Math.Min(options.Dpi, MaxPixels / longest), 36, options.Dpi);
        byte[] image = rasterizer.Render(pdfPath, page, dpi, cancellationToken);
        string text = string.Join('\n', engine.Recognize(image, dpi, cancellationToken));
        PageRead?.Invoke();
        return text;
    }

    /// <summary>The pages of an image file (the frames of a TIFF), read by the engine.</summary>
    public IReadOnlyList<string> ReadImage(ReadOnlyMemory<byte> image, CancellationToken cancellationToken)
    {
        var pages = engine.Recognize(image, null, cancellationToken);
        PageRead?.Invoke();
        return pages;
    }

    /// <summary>Adds OCR text as paragraphs: Tesseract separates paragraphs with blank lines and keeps the lines within them.</summary>
    public static void AddParagraphs(BlockList blocks, string text, int page)
    {
        var paragraph = new StringBuilder();
        foreach (string raw in text.Split('\n'))
        {
            string line = TextHelpers.CollapseWhitespace(raw);
            if (line.Length == 0)
            {
                blocks.Add(BlockKind.Paragraph, paragraph.ToString(), page);
                paragraph.Clear();
                continue;
            }
            if (paragraph.Length > 0)
                paragraph.Append('\n');
            paragraph.Append(line);
        }
        blocks.Add(BlockKind.Paragraph, paragraph.ToString(), page);
    }

    /// <summary>"page 3" or "pages 2-4, 7", and the verb that goes with it ("has" or "have").</summary>
    public static string Pages(IReadOnlyList<int> pages, out string has)
    {
        has = pages.Count == 1 ? "has" : "have";
        if (pages.Count == 1)
            return $"page {pages[0]}";
        var ranges = new List<string>();
        for (int i = 0; i < pages.Count;)
        {
            int j = i;
            while (j + 1 < pages.Count && pages[j + 1] == pages[j] + 1)
                j++;
            ranges.Add(j == i ? $"{pages[i]}" : $"{pages[i]}-{pages[j]}");
            i = j + 1;
        }
        return "pages " + string.Join(", ", ranges);
    }
}
