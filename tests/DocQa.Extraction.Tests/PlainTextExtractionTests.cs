using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Tests;

public class PlainTextExtractionTests
{
    private const string Text = "# Not a heading\r\nfirst paragraph line one\r\nline two   \r\n\r\n\r\n  Zweiter Absatz: Grüße, €5.\n \t \nlast\n";

    private static readonly (BlockKind, string)[] Expected =
    [
        (BlockKind.Paragraph, "# Not a heading\nfirst paragraph line one\nline two"),
        (BlockKind.Paragraph, "Zweiter Absatz: Grüße, €5."),
        (BlockKind.Paragraph, "last"),
    ];

    public static TheoryData<string, byte[]> Encodings => new()
    {
        { "utf-8", Encoding.UTF8.GetBytes(Text) },
        { "utf-8 with BOM", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Text)] },
        { "utf-16 LE with BOM", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Text)] },
        { "utf-16 BE with BOM", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(Text)] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Paragraphs_split_at_blank_lines_in_every_supported_encoding(string encoding, byte[] content)
    {
        ExtractedDocument document = TestDocuments.Extract(content, "notes.txt");

        Assert.True(Expected.SequenceEqual(document.Blocks.Select(b => (b.Kind, b.Text))), $"{encoding}: {document.AllText()}");
        Assert.All(document.Blocks, b => Assert.Equal(1, b.Page));
        Assert.Equal(1, document.Pages);
        Assert.Equal(0, document.PagesWithoutText);
    }

    [Fact]
    public void Whitespace_only_file_has_no_text()
    {
        ExtractionException error = TestDocuments.ExtractFails(Encoding.UTF8.GetBytes(" \r\n\t\n  "), DocumentKind.Text);

        Assert.Equal("no text found in the document", error.Message);
    }

    [Theory]
    [InlineData(DocumentKind.Pdf)]
    [InlineData(DocumentKind.Docx)]
    [InlineData(DocumentKind.Html)]
    [InlineData(DocumentKind.Markdown)]
    [InlineData(DocumentKind.Text)]
    public void Empty_file_is_refused_as_empty(DocumentKind kind)
    {
        Assert.Equal("the file is empty", TestDocuments.ExtractFails([], kind).Message);
    }

    [Fact]
    public void Empty_forward_only_stream_is_refused_as_empty()
    {
        var error = Assert.Throws<ExtractionException>(() =>
            new DocumentExtractor().Extract(new ForwardOnlyStream([]), new DocumentType(DocumentKind.Pdf, "application/pdf")));

        Assert.Equal("the file is empty", error.Message);
    }
}
