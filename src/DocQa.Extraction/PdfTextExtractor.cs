using DocQa.Core.Extraction;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Exceptions;

namespace DocQa.Extraction;

/// <summary>
/// PDF text through PdfPig: the letters of each page become lines (<see cref="PdfLineBuilder"/>), and the
/// lines of all pages become blocks (<see cref="PdfBlockBuilder"/>). Pages without any letter (scanned
/// images) are counted so that the caller can tell the user.
/// </summary>
internal static class PdfTextExtractor
{
    public static ExtractedDocument Extract(Stream content, CancellationToken cancellationToken)
    {
        using PdfDocument document = Open(content);
        int pageCount = document.NumberOfPages;
        var pages = new List<PdfPageLines>(pageCount);
        int pagesWithoutText = 0;
        for (int number = 1; number <= pageCount; number++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<List<PdfLine>> lines;
            try
            {
                lines = PdfLineBuilder.Build(document.GetPage(number).Letters);
            }
            catch (PdfDocumentEncryptedException ex)
            {
                throw new ExtractionException("the PDF is encrypted", ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new ExtractionException($"the file is not a readable PDF: page {number}: {DocumentExtractor.ShortReason(ex)}", ex);
            }
            if (lines.Count == 0)
                pagesWithoutText++;
            pages.Add(new PdfPageLines(number, lines));
        }

        if (pageCount == 0)
            throw new ExtractionException("no text found: the PDF has no pages");
        if (pagesWithoutText == pageCount)
        {
            throw new ExtractionException(pageCount == 1
                ? "no text found: the PDF's page has no text layer (scanned image?)"
                : $"no text found: the PDF's {pageCount} pages have no text layer (scanned images?)");
        }

        BlockList blocks = PdfBlockBuilder.Build(pages);
        if (blocks.Count == 0)
            throw new ExtractionException("no text found in the document");
        return new ExtractedDocument(blocks, pageCount, pagesWithoutText);
    }

    private static PdfDocument Open(Stream content)
    {
        try
        {
            // Missing fonts should cost the letters' shapes, not the whole document.
            return PdfDocument.Open(content, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new ExtractionException("the PDF is encrypted", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ExtractionException($"the file is not a readable PDF: {DocumentExtractor.ShortReason(ex)}", ex);
        }
    }
}
