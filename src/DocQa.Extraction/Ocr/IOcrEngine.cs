using DocQa.Core.Extraction;

namespace DocQa.Extraction.Ocr;

/// <summary>Reads the text of page images. The extractors depend on this, not on the engine behind it.</summary>
public interface IOcrEngine
{
    /// <summary>Whether the engine is installed with the languages asked for; probed once.</summary>
    OcrStatus Status { get; }

    /// <summary>
    /// The text of each page of an image (PNG, JPEG, or a TIFF of several pages), in order. <paramref name="dpi"/> is
    /// the resolution the image was rendered at, when known. Throws <see cref="ExtractionException"/> when it fails.
    /// </summary>
    IReadOnlyList<string> Recognize(ReadOnlyMemory<byte> image, int? dpi, CancellationToken cancellationToken);
}

/// <summary>Renders a PDF page to an image for OCR.</summary>
public interface IPageRasterizer
{
    /// <summary>Why pages cannot be rendered here ("pdftoppm is not installed ..."); null when they can.</summary>
    string? Problem { get; }

    /// <summary>Page <paramref name="page"/> (1-based) of the PDF at <paramref name="pdfPath"/> as a PNG at <paramref name="dpi"/>.</summary>
    byte[] Render(string pdfPath, int page, int dpi, CancellationToken cancellationToken);
}
