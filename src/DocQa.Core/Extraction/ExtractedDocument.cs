namespace DocQa.Core.Extraction;

/// <summary>The formats DocQa reads; new kinds are added at the end (the worker protocol sends them as numbers).</summary>
public enum DocumentKind { Pdf, Docx, Html, Markdown, Text, Image, Xlsx, Csv, Pptx }

/// <summary>A supported document type: its kind and the media type reported to clients.</summary>
public sealed record DocumentType(DocumentKind Kind, string MediaType);

public enum BlockKind { Heading, Paragraph, Table }

/// <summary>
/// One piece of a document's text in reading order. Paragraph text may hold several lines separated by '\n'
/// (a PDF text block). A table is one row per line, its cells between '|' as in Markdown ("| Net sales | $81,797 |");
/// when it has column headers, its header rows come first and a delimiter row ("|---|---|") follows them, so that
/// each row can be read with its headers (the chunker repeats them when it splits a table). Page is 1-based;
/// documents without pages use 1.
/// </summary>
public sealed record DocumentBlock(BlockKind Kind, string Text, int Page, int HeadingLevel = 0);

/// <summary>
/// The text of a document as blocks in reading order, with its page counts and <see cref="Title"/>: the title its
/// file declares (a PDF's document information, a DOCX's core properties, an HTML page's &lt;title&gt;), if any.
/// <see cref="PagesWithoutText"/> counts the pages that had no usable text layer, whether OCR then read them or not.
/// </summary>
public sealed record ExtractedDocument(IReadOnlyList<DocumentBlock> Blocks, int Pages, int PagesWithoutText = 0)
{
    public string? Title { get; init; }

    /// <summary>The pages whose text came from OCR (1-based, ascending).</summary>
    public IReadOnlyList<int> PagesOcr { get; init; } = [];

    /// <summary>What the reader could not read and the user should know ("page 3 has no text layer and OCR is not installed ...").</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>The document cannot be read; the message is the reason shown to the user.</summary>
public sealed class ExtractionException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>Detects a document's type and extracts its text.</summary>
public interface IDocumentExtractor
{
    /// <summary>The type from the content's first bytes and the file name's extension together; null when unsupported.</summary>
    DocumentType? Detect(ReadOnlySpan<byte> head, string fileName);

    /// <summary>Extracts the text; throws <see cref="ExtractionException"/> with a readable reason when it can't.</summary>
    ExtractedDocument Extract(Stream content, DocumentType type, CancellationToken cancellationToken = default);
}
