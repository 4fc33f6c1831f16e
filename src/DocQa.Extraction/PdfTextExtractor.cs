using System.Runtime.ExceptionServices;
using DocQa.Core.Extraction;
using DocQa.Extraction.Ocr;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Exceptions;

namespace DocQa.Extraction;

/// <summary>
/// PDF text through PdfPig: the letters of each page become lines (<see cref="PdfLineBuilder"/>), and the
/// lines of all pages become blocks (<see cref="PdfBlockBuilder"/>). Pages without a usable text layer (scanned
/// images; see <see cref="ScannedPage"/>) are rendered and read by OCR, or reported in the document's warnings.
/// </summary>
internal static class PdfTextExtractor
{
    // PdfPig recurses once per level of the page tree (about 256 bytes of stack) and once per form XObject that
    // draws another (about 2 KB), so a crafted file overflows a thread's usual 1 to 8 MB of stack, which ends the
    // process. The PDF is read on a thread of its own whose stack grows with the file: each level takes at least
    // 75 (page tree) or 110 (form XObject) bytes of file, so 24 bytes of stack per byte of file cover any page tree
    // and XObject chains up to the 1 GB cap, that is in files up to about 40 MB. The stack is reserved, not used,
    // unless the file nests that deep.
    private const long MinStack = 16L * 1024 * 1024;
    private const long StackPerByte = 24;
    private const long MaxStack = 1024L * 1024 * 1024;

    public static ExtractedDocument Extract(Stream content, OcrReader ocr, CancellationToken cancellationToken)
    {
        long length = content.Length - content.Position;
        ExtractedDocument? result = null;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = ExtractOnThisThread(content, ocr, cancellationToken);
                }
                catch (Exception ex)
                {
                    error = ExceptionDispatchInfo.Capture(ex);
                }
            },
            (int)Math.Clamp(MinStack + StackPerByte * length, MinStack, MaxStack))
        {
            IsBackground = true,
            Name = "PDF extraction",
        };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result!;
    }

    private static ExtractedDocument ExtractOnThisThread(Stream content, OcrReader ocr, CancellationToken cancellationToken)
    {
        using PdfDocument document = Open(content);
        int pageCount = document.NumberOfPages;
        if (pageCount == 0)
            throw new ExtractionException("no text found: the PDF has no pages");

        var lines = new List<List<PdfLine>>[pageCount];
        var scanned = new List<int>();
        int blank = 0;
        for (int number = 1; number <= pageCount; number++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                Page page = document.GetPage(number);
                lines[number - 1] = PdfLineBuilder.Build(page.Letters);
                if (ScannedPage.NeedsOcr(page, lines[number - 1]))
                    scanned.Add(number);
                else if (lines[number - 1].Count == 0)
                    blank++;
            }
            catch (PdfDocumentEncryptedException ex)
            {
                throw new ExtractionException("the PDF is encrypted", ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new ExtractionException($"the file is not a readable PDF: page {number}: {DocumentExtractor.ShortReason(ex)}", ex);
            }
        }

        var ocrText = ReadScannedPages(document, content, scanned, ocr, out var warnings, cancellationToken);
        var pages = new List<PdfPageLines>(pageCount);
        for (int number = 1; number <= pageCount; number++)
            pages.Add(new PdfPageLines(number, ocrText.ContainsKey(number) ? new List<List<PdfLine>>() : lines[number - 1]));
        BlockList blocks = PdfBlockBuilder.Build(pages);
        if (ocrText.Count > 0)
        {
            foreach (var (number, text) in ocrText)
                OcrReader.AddParagraphs(blocks, text, number);
            // Blocks are in page order; the sort is stable, so each page keeps its own order.
            var ordered = blocks.OrderBy(b => b.Page).ToList();
            blocks.Clear();
            blocks.AddRange(ordered);
        }

        if (blocks.Count == 0)
        {
            if (scanned.Count == pageCount && warnings.Count > 0)
                throw new ExtractionException("no text found: " + string.Join("; ", warnings));
            throw new ExtractionException(scanned.Count == pageCount
                ? "no text found: OCR found no text on the PDF's scanned pages"
                : "no text found in the document");
        }
        return new ExtractedDocument(blocks, pageCount, scanned.Count + blank)
        {
            Title = DeclaredTitle(document),
            PagesOcr = ocrText.Keys.Order().ToArray(),
            Warnings = warnings,
        };
    }

    /// <summary>
    /// The OCR text of the pages without a usable text layer, as far as OCR may read them; what it could not read is
    /// told in <paramref name="warnings"/>. A page with some text of its own keeps it unless OCR finds more.
    /// </summary>
    private static Dictionary<int, string> ReadScannedPages(PdfDocument document, Stream content, List<int> scanned, OcrReader ocr,
        out List<string> warnings, CancellationToken cancellationToken)
    {
        warnings = [];
        var read = new Dictionary<int, string>();
        if (scanned.Count == 0)
            return read;
        if (ocr.WhyNot(pdf: true) is { } why)
        {
            warnings.Add($"{OcrReader.Pages(scanned, out string has)} {has} no text layer and {why}");
            return read;
        }

        int max = ocr.Options.MaxPagesPerDocument;
        if (scanned.Count > max)
        {
            warnings.Add($"{OcrReader.Pages(scanned[max..], out string has)} {has} no text layer and {(scanned.Count - max == 1 ? "was" : "were")} not read: " +
                $"OCR reads at most {max} pages of a document (Ocr:MaxPagesPerDocument)");
        }

        // pdftoppm reads a file: the stored original where there is one, else a temporary copy.
        string? temporary = null;
        string path;
        if (content is FileStream file && File.Exists(file.Name))
            path = file.Name;
        else
        {
            temporary = path = Path.Combine(Path.GetTempPath(), "docqa-ocr-" + Guid.NewGuid().ToString("N") + ".pdf");
            content.Position = 0;
            using var copy = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
            content.CopyTo(copy);
        }
        try
        {
            var empty = new List<int>();
            foreach (int number in scanned.Take(max))
            {
                cancellationToken.ThrowIfCancellationRequested();
                Page page = document.GetPage(number);
                string text = ocr.ReadPdfPage(path, number, page.Width, page.Height, cancellationToken);
                if (ScannedPage.Letters(text) > ScannedPage.Letters(page))
                    read[number] = text;
                else if (ScannedPage.Letters(page) == 0)
                    empty.Add(number);
            }
            if (empty.Count > 0)
                warnings.Add($"{OcrReader.Pages(empty, out string has)} {has} no text layer and OCR found no text on {(empty.Count == 1 ? "it" : "them")}");
        }
        finally
        {
            if (temporary is not null)
                File.Delete(temporary);
        }
        return read;
    }

    /// <summary>The title in the PDF's document information; a broken information dictionary costs only the title.</summary>
    private static string? DeclaredTitle(PdfDocument document)
    {
        try
        {
            return document.Information?.Title;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
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
