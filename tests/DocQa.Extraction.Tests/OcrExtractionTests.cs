using DocQa.Core.Extraction;
using DocQa.Extraction.Isolation;
using DocQa.Extraction.Ocr;
using DocQa.Testing;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace DocQa.Extraction.Tests;

/// <summary>
/// Images and scanned PDF pages read by Tesseract: real images of text drawn by the test. The tests that run OCR are
/// skipped, with the reason, where Tesseract or pdftoppm is not installed; those about its absence run everywhere.
/// </summary>
public class OcrExtractionTests
{
    private static readonly DocumentExtractor WithOcr = new(new OcrOptions());

    [SkippableFact]
    public void A_png_is_one_page_read_by_ocr()
    {
        SkipWithoutOcr();
        byte[] png = ScannedDocuments.Png("Receipt from the Gull Harbor chandlery", "Two coils of rope cost 38 dollars");

        ExtractedDocument document = TestDocuments.Extract(png, "receipt.png", WithOcr);

        Assert.Equal((1, 1), (document.Pages, document.PagesWithoutText));
        Assert.Equal([1], document.PagesOcr);
        Assert.Contains("Two coils of rope cost 38 dollars", document.AllText(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Each_frame_of_a_tiff_is_a_page()
    {
        SkipWithoutOcr();
        byte[] tiff = ScannedDocuments.Tiff(["The lamp room is on the top floor"], ["Keepers change shifts at noon"]);

        ExtractedDocument document = TestDocuments.Extract(tiff, "logbook.tif", WithOcr);

        Assert.Equal(2, document.Pages);
        Assert.Equal([1, 2], document.PagesOcr);
        Assert.Equal(1, document.BlockWith("lamp room").Page);
        Assert.Equal(2, document.BlockWith("change shifts at noon").Page);
    }

    [SkippableFact]
    public void A_scanned_pdf_is_read_page_by_page_in_the_worker()
    {
        SkipWithoutOcr();
        byte[] pdf = ScannedDocuments.Pdf(
            ["Lease of the north pier"],
            ["The tenant pays rent on the first day of each month"],
            ["Either party may end the lease with ninety days notice"]);
        // The pages were scanned at 150 dpi: rendering them finer would only make OCR slower.
        using var isolated = new IsolatedDocumentExtractor(new DocumentExtractor(new OcrOptions { Dpi = 150 }), new ExtractionLimits(TimeSpan.FromSeconds(120), 512));

        ExtractedDocument document = isolated.Extract(new MemoryStream(pdf), new DocumentType(DocumentKind.Pdf, "application/pdf"));

        Assert.Equal((3, 3), (document.Pages, document.PagesWithoutText));
        Assert.Equal([1, 2, 3], document.PagesOcr);
        Assert.Empty(document.Warnings);
        Assert.Equal(2, document.BlockWith("pays rent on the first day").Page);
        Assert.Equal(3, document.BlockWith("ninety days notice").Page);
    }

    [SkippableFact]
    public void A_scan_with_a_stamped_page_number_is_read_by_ocr_and_typed_pages_keep_their_text()
    {
        SkipWithoutOcr();
        // Page 1 is typed; page 2 a scan with "Page 2" stamped on it as text, page 3 only a scan.
        ExtractedDocument document = TestDocuments.Extract(MixedPdf(stampedSecondPage: true), "mixed.pdf", WithOcr);

        Assert.Equal([2, 3], document.PagesOcr);
        Assert.Equal(2, document.PagesWithoutText);
        Assert.Equal(1, document.BlockWith("typed on the first page").Page);
        Assert.Equal(2, document.BlockWith("harbour dues are waived").Page);
        Assert.Equal(3, document.BlockWith("scanned third page").Page);
        Assert.Empty(document.Warnings);
    }

    [Fact]
    public void Without_tesseract_scanned_pages_are_reported_never_silently_empty()
    {
        var missing = new DocumentExtractor(new OcrOptions(), new TesseractOcrEngine(new OcrOptions(), "/nonexistent/tesseract"));
        Assert.False(missing.OcrStatus.Available);
        Assert.Equal("OCR is not installed (apt-get install tesseract-ocr)", missing.OcrStatus.Problem);

        ExtractedDocument document = TestDocuments.Extract(MixedPdf(stampedSecondPage: false), "mixed.pdf", missing);
        Assert.Equal(3, document.Pages);
        Assert.Equal(2, document.PagesWithoutText);
        Assert.Empty(document.PagesOcr);
        // Page 2 is blank: nothing there for OCR to read, so only page 3 is reported.
        Assert.Equal(["page 3 has no text layer and OCR is not installed (apt-get install tesseract-ocr)"], document.Warnings);

        var scanOnly = Assert.Throws<ExtractionException>(() => TestDocuments.Extract(ScannedDocuments.Pdf(["Only a scan"]), "scan.pdf", missing));
        Assert.Equal("no text found: page 1 has no text layer and OCR is not installed (apt-get install tesseract-ocr)", scanOnly.Message);
        var image = Assert.Throws<ExtractionException>(() => TestDocuments.Extract(ScannedDocuments.Png("A photo"), "photo.png", missing));
        Assert.Equal("the image has no text layer and OCR is not installed (apt-get install tesseract-ocr)", image.Message);
    }

    [Fact]
    public void Turned_off_ocr_says_so()
    {
        var document = TestDocuments.Extract(MixedPdf(stampedSecondPage: false), "mixed.pdf");
        Assert.Equal(["page 3 has no text layer and OCR is turned off (Ocr:Enabled)"], document.Warnings);
    }

    [Fact]
    public void Images_are_detected_by_their_signature()
    {
        Assert.Equal("image/png", TestDocuments.Extractor.Detect(ScannedDocuments.Png("x"), "upload")?.MediaType);
        Assert.Equal("image/tiff", TestDocuments.Extractor.Detect(ScannedDocuments.Tiff(["x"], ["y"]), "scan.bin")?.MediaType);
        Assert.Equal("image/jpeg", TestDocuments.Extractor.Detect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "photo.jpg")?.MediaType);
        // Text is not an image because of its name.
        Assert.Null(TestDocuments.Extractor.Detect("plain words"u8, "photo.png"));
    }

    [Fact]
    public void Tiff_pages_are_counted_from_the_file_and_capped()
    {
        byte[] tiff = ScannedDocuments.Tiff(["one"], ["two"], ["three"]);

        var capped = new DocumentExtractor(new OcrOptions { MaxPagesPerDocument = 2 }, new RefusingEngine());
        var failure = Assert.Throws<ExtractionException>(() => TestDocuments.Extract(tiff, "scan.tif", capped));
        Assert.Equal("the image has 3 pages; OCR reads at most 2 pages of a document (Ocr:MaxPagesPerDocument)", failure.Message);
    }

    [Fact]
    public void Languages_must_be_codes_joined_by_plus()
    {
        static bool Valid(string languages)
        {
            var options = new OcrOptions { Languages = languages };
            return System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), null, validateAllProperties: true);
        }
        Assert.True(Valid("eng"));
        Assert.True(Valid("eng+deu+chi_sim"));
        Assert.False(Valid("-c tessedit_write_images=1"));
        Assert.False(Valid("eng+"));
    }

    private static void SkipWithoutOcr() => Skip.If(ScannedDocuments.WhyOcrCannotRun is not null, ScannedDocuments.WhyOcrCannotRun);

    /// <summary>Page 1 typed; page 2 empty, or a scan with a stamped page number; page 3 a scan of text.</summary>
    private static byte[] MixedPdf(bool stampedSecondPage)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        builder.AddPage(PageSize.A4).AddText("These words are typed on the first page.", 12, new PdfPoint(60, 780), font);
        var second = builder.AddPage(PageSize.A4);
        if (stampedSecondPage)
        {
            second.AddPng(ScannedDocuments.PagePng(["In winter the harbour dues are waived"]), new PdfRectangle(0, 0, second.PageSize.Width, second.PageSize.Height));
            second.AddText("Page 2", 9, new PdfPoint(280, 20), font);
        }
        var third = builder.AddPage(PageSize.A4);
        third.AddPng(ScannedDocuments.PagePng(["Words on the scanned third page"]), new PdfRectangle(0, 0, third.PageSize.Width, third.PageSize.Height));
        return builder.Build();
    }

    private sealed class RefusingEngine : IOcrEngine
    {
        public OcrStatus Status { get; } = new(true, true, "test", ["eng"], null);

        public IReadOnlyList<string> Recognize(ReadOnlyMemory<byte> image, int? dpi, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not expected to run");
    }
}
