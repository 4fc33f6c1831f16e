using System.Runtime.ExceptionServices;
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
    // PdfPig recurses once per level of the page tree (about 256 bytes of stack) and once per form XObject that
    // draws another (about 2 KB), so a crafted file overflows a thread's usual 1 to 8 MB of stack, which ends the
    // process. The PDF is read on a thread of its own whose stack grows with the file: each level takes at least
    // 75 (page tree) or 110 (form XObject) bytes of file, so 24 bytes of stack per byte of file cover any page tree
    // and XObject chains up to the 1 GB cap, that is in files up to about 40 MB. The stack is reserved, not used,
    // unless the file nests that deep.
    private const long MinStack = 16L * 1024 * 1024;
    private const long StackPerByte = 24;
    private const long MaxStack = 1024L * 1024 * 1024;

    public static ExtractedDocument Extract(Stream content, CancellationToken cancellationToken)
    {
        long length = content.Length - content.Position;
        ExtractedDocument? result = null;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = ExtractOnThisThread(content, cancellationToken);
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

    private static ExtractedDocument ExtractOnThisThread(Stream content, CancellationToken cancellationToken)
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
        return new ExtractedDocument(blocks, pageCount, pagesWithoutText) { Title = DeclaredTitle(document) };
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
