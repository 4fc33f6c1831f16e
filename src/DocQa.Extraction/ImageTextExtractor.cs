using DocQa.Core.Extraction;
using DocQa.Extraction.Ocr;

namespace DocQa.Extraction;

/// <summary>PNG, JPEG and TIFF files: images of text, read by OCR; each frame of a TIFF is a page.</summary>
internal static class ImageTextExtractor
{
    public static ExtractedDocument Extract(byte[] image, OcrReader ocr, CancellationToken cancellationToken)
    {
        int frames = TiffFrames.Count(image);
        if (ocr.WhyNot(pdf: false) is { } why)
            throw new ExtractionException($"the image has no text layer and {why}");
        int max = ocr.Options.MaxPagesPerDocument;
        if (frames > max)
            throw new ExtractionException($"the image has {frames} pages; OCR reads at most {max} pages of a document (Ocr:MaxPagesPerDocument)");

        var pages = ocr.ReadImage(image, cancellationToken);
        var blocks = new BlockList();
        for (int i = 0; i < pages.Count; i++)
            OcrReader.AddParagraphs(blocks, pages[i], i + 1);
        if (blocks.Count == 0)
            throw new ExtractionException("no text found: OCR found no text in the image");
        return new ExtractedDocument(blocks, pages.Count, pages.Count)
        {
            PagesOcr = Enumerable.Range(1, pages.Count).ToArray(),
        };
    }
}
