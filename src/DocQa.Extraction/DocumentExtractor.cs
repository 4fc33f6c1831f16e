using DocQa.Core.Extraction;
using DocQa.Extraction.Ocr;

namespace DocQa.Extraction;

/// <summary>
/// Detects a document's type and extracts its text with the reader for that format. Every failure caused
/// by the file itself surfaces as an <see cref="ExtractionException"/> with a short reason for the user.
/// </summary>
public sealed class DocumentExtractor : IDocumentExtractor
{
    private readonly OcrReader _ocr;

    /// <param name="ocr">The Ocr settings; the defaults when null.</param>
    /// <param name="engine">The OCR engine; Tesseract's command line when null.</param>
    /// <param name="rasterizer">What renders scanned PDF pages for OCR; pdftoppm when null.</param>
    public DocumentExtractor(OcrOptions? ocr = null, IOcrEngine? engine = null, IPageRasterizer? rasterizer = null)
    {
        Ocr = ocr ?? new OcrOptions();
        _ocr = new OcrReader(Ocr, engine ?? new TesseractOcrEngine(Ocr), rasterizer ?? new PopplerPageRasterizer());
    }

    /// <summary>Called after each page read by OCR (the isolated worker reports it as progress).</summary>
    public Action? PageRead { get => _ocr.PageRead; init => _ocr.PageRead = value; }

    /// <summary>The Ocr settings this extractor reads scanned pages and images with.</summary>
    public OcrOptions Ocr { get; }

    /// <summary>Whether scanned pages and images can be read here (the engine is probed the first time).</summary>
    public OcrStatus OcrStatus => _ocr.Status;

    public DocumentType? Detect(ReadOnlySpan<byte> head, string fileName) => DocumentTypeDetector.Detect(head, fileName);

    public ExtractedDocument Extract(Stream content, DocumentType type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(type);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return type.Kind switch
            {
                DocumentKind.Pdf => PdfTextExtractor.Extract(Seekable(content), _ocr, cancellationToken),
                DocumentKind.Docx => DocxTextExtractor.Extract(Seekable(content), cancellationToken),
                DocumentKind.Xlsx => XlsxTextExtractor.Extract(Seekable(content), cancellationToken),
                DocumentKind.Pptx => PptxTextExtractor.Extract(Seekable(content), cancellationToken),
                DocumentKind.Csv => CsvTextExtractor.Extract(ReadAll(content), type.MediaType == DocumentTypeDetector.Tsv.MediaType, cancellationToken),
                DocumentKind.Html => HtmlTextExtractor.Extract(ReadAll(content), cancellationToken),
                DocumentKind.Markdown => MarkdownTextExtractor.Extract(ReadAll(content), cancellationToken),
                DocumentKind.Text => PlainTextExtractor.Extract(ReadAll(content), cancellationToken),
                DocumentKind.Image => ImageTextExtractor.Extract(ReadAll(content), _ocr, cancellationToken),
                _ => throw new ExtractionException($"unsupported document type {type.MediaType}"),
            };
        }
        catch (Exception ex) when (ex is not ExtractionException and not OperationCanceledException)
        {
            // The libraries throw many exception types for malformed files; the user gets one kind.
            throw new ExtractionException($"the file is not a readable {FormatName(type.Kind)}: {ShortReason(ex)}", ex);
        }
    }

    /// <summary>The first line of an exception's message, short enough to show to a user.</summary>
    internal static string ShortReason(Exception exception)
    {
        string message = exception.Message.Split('\n', 2)[0].Trim();
        if (message.Length == 0)
            return exception.GetType().Name;
        return message.Length <= 200 ? message : message[..200] + "…";
    }

    private static string FormatName(DocumentKind kind) => kind switch
    {
        DocumentKind.Pdf => "PDF",
        DocumentKind.Docx => "DOCX",
        DocumentKind.Html => "HTML document",
        DocumentKind.Markdown => "Markdown document",
        DocumentKind.Image => "image",
        DocumentKind.Xlsx => "XLSX",
        DocumentKind.Pptx => "PPTX",
        DocumentKind.Csv => "CSV file",
        _ => "text file",
    };

    /// <summary>The PDF and DOCX readers seek; a stream that cannot is copied to memory first.</summary>
    private static Stream Seekable(Stream content)
    {
        Stream stream = content;
        if (!content.CanSeek)
        {
            var copy = new MemoryStream();
            content.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        if (stream.Length - stream.Position == 0)
            throw new ExtractionException("the file is empty");
        return stream;
    }

    private static byte[] ReadAll(Stream content)
    {
        using var copy = new MemoryStream();
        content.CopyTo(copy);
        if (copy.Length == 0)
            throw new ExtractionException("the file is empty");
        return copy.ToArray();
    }
}
