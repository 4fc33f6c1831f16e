using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Tests;

/// <summary>Helpers to run the extractor on bytes and to look at its result.</summary>
internal static class TestDocuments
{
    // Without OCR: what these tests read is the text layer; OCR has its own tests, which need Tesseract.
    public static readonly DocumentExtractor Extractor = new(new OcrOptions { Enabled = false });

    public static ExtractedDocument Extract(byte[] content, string fileName, DocumentExtractor? extractor = null)
    {
        extractor ??= Extractor;
        DocumentType type = extractor.Detect(content.AsSpan(0, Math.Min(content.Length, DocumentTypeSniff.HeadBytes)), fileName)
            ?? throw new InvalidOperationException($"{fileName} was not detected as a supported type");
        return extractor.Extract(new MemoryStream(content), type);
    }

    public static ExtractionException ExtractFails(byte[] content, DocumentKind kind)
    {
        DocumentType type = kind switch
        {
            DocumentKind.Pdf => new(kind, "application/pdf"),
            DocumentKind.Docx => new(kind, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            DocumentKind.Html => new(kind, "text/html"),
            DocumentKind.Markdown => new(kind, "text/markdown"),
            DocumentKind.Xlsx => new(kind, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            DocumentKind.Pptx => new(kind, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            DocumentKind.Csv => new(kind, "text/csv"),
            _ => new(kind, "text/plain"),
        };
        return Assert.Throws<ExtractionException>(() => Extractor.Extract(new MemoryStream(content), type));
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The single block whose text contains the given text.</summary>
    public static DocumentBlock BlockWith(this ExtractedDocument document, string text) =>
        Assert.Single(document.Blocks, b => b.Text.Contains(text, StringComparison.Ordinal));

    public static string AllText(this ExtractedDocument document) => string.Join("\n", document.Blocks.Select(b => b.Text));
}

/// <summary>A stream that can only be read forwards, like a request body.</summary>
internal sealed class ForwardOnlyStream(byte[] content) : Stream
{
    private readonly MemoryStream _inner = new(content);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Flush() { }
}
