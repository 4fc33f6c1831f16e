using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Tests;

public class DetectionTests
{
    private static readonly DocumentExtractor Extractor = new();

    private static DocumentKind? Kind(byte[] head, string fileName) => Extractor.Detect(head, fileName)?.Kind;

    private static byte[] Bytes(params int[] values) => values.Select(v => (byte)v).ToArray();

    [Theory]
    [InlineData("report.pdf")]
    [InlineData("report.txt")]
    [InlineData("report")]
    [InlineData("report.exe")]
    public void Pdf_content_is_a_pdf_whatever_the_extension(string fileName)
    {
        DocumentType? type = Extractor.Detect("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj"u8, fileName);

        Assert.Equal(DocumentKind.Pdf, type?.Kind);
        Assert.Equal("application/pdf", type?.MediaType);
    }

    [Fact]
    public void Pdf_header_after_junk_is_found_in_a_file_named_pdf_only()
    {
        byte[] head = Encoding.ASCII.GetBytes("junk line\n%PDF-1.4\n");

        Assert.Equal(DocumentKind.Pdf, Kind(head, "a.pdf"));
        Assert.Equal(DocumentKind.Text, Kind(head, "a.txt"));
    }

    [Fact]
    public void Zip_named_docx_is_a_docx_and_other_zips_are_refused()
    {
        byte[] zip = Bytes(0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00);

        DocumentType? type = Extractor.Detect(zip, "Contract.DOCX");
        Assert.Equal(DocumentKind.Docx, type?.Kind);
        Assert.Equal("application/vnd.openxmlformats-officedocument.wordprocessingml.document", type?.MediaType);
        Assert.Null(Kind(zip, "archive.zip"));
        Assert.Null(Kind(zip, "notes.txt"));
        Assert.Equal(DocumentKind.Xlsx, Kind(zip, "sheet.XLSX"));
        Assert.Equal(DocumentKind.Pptx, Kind(zip, "deck.pptx"));
    }

    [Theory]
    [InlineData("anim.md", new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 })]             // GIF
    [InlineData("old.doc", new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 })] // OLE .doc
    [InlineData("old.docx", new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 })]
    [InlineData("data.txt", new byte[] { 0x1F, 0x8B, 0x08, 0x00 })]                         // gzip
    [InlineData("program", new byte[] { 0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01 })]              // ELF
    [InlineData("notes.txt", new byte[] { 0x68, 0x69, 0x00, 0x68, 0x69 })]                  // NUL byte
    [InlineData("latin1.txt", new byte[] { 0x63, 0x61, 0x66, 0xE9, 0x20, 0x6F, 0x6B })]     // "café" in Latin-1
    [InlineData("fake.pdf", new byte[] { 0x68, 0x65, 0x6C, 0x6C, 0x6F })]                   // text named .pdf
    public void Binary_or_mislabelled_content_is_refused(string fileName, byte[] head)
    {
        Assert.Null(Extractor.Detect(head, fileName));
    }

    [Theory]
    [InlineData("setup.exe")]
    [InlineData("library.dll")]
    [InlineData("firmware.bin")]
    [InlineData("photo.png")]
    public void Text_with_an_unknown_extension_is_refused(string fileName)
    {
        Assert.Null(Kind("just some text\n"u8.ToArray(), fileName));
    }

    [Theory]
    [InlineData("page.html", "<p>hello</p>", DocumentKind.Html)]
    [InlineData("page.HTM", "hello", DocumentKind.Html)]
    [InlineData("page.xhtml", "<?xml version=\"1.0\"?><html/>", DocumentKind.Html)]
    [InlineData("saved.txt", "  \n<!DOCTYPE html><html><body>x</body></html>", DocumentKind.Html)]
    [InlineData("noext", "<HTML><body>x</body></HTML>", DocumentKind.Html)]
    [InlineData("readme.md", "# Title\n\ntext", DocumentKind.Markdown)]
    [InlineData("notes.markdown", "text", DocumentKind.Markdown)]
    [InlineData("notes.txt", "# not a heading in text", DocumentKind.Text)]
    [InlineData("data.csv", "a,b\n1,2", DocumentKind.Csv)]
    [InlineData("data.TSV", "a\tb\n1\t2", DocumentKind.Csv)]
    [InlineData("config.json", "{\"a\": 1}", DocumentKind.Text)]
    [InlineData("feed.xml", "<?xml version=\"1.0\"?><feed/>", DocumentKind.Text)]
    [InlineData("server.log", "started", DocumentKind.Text)]
    [InlineData("README", "plain", DocumentKind.Text)]
    public void Textual_content_is_typed_by_extension_and_html_start(string fileName, string content, DocumentKind expected)
    {
        Assert.Equal(expected, Kind(Encoding.UTF8.GetBytes(content), fileName));
    }

    [Fact]
    public void Media_types_of_textual_kinds()
    {
        Assert.Equal("text/html", Extractor.Detect("<p>x</p>"u8, "a.html")?.MediaType);
        Assert.Equal("text/markdown", Extractor.Detect("x"u8, "a.md")?.MediaType);
        Assert.Equal("text/plain", Extractor.Detect("x"u8, "a.txt")?.MediaType);
        Assert.Equal("text/csv", Extractor.Detect("x"u8, "a.csv")?.MediaType);
        Assert.Equal("text/tab-separated-values", Extractor.Detect("x"u8, "a.tsv")?.MediaType);
    }

    [Fact]
    public void Utf16_with_bom_is_text_and_html_is_recognised_inside_it()
    {
        byte[] utf16 = [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("Grüße aus Köln")];
        byte[] utf16Html = [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes("<!doctype html><p>x</p>")];

        Assert.Equal(DocumentKind.Text, Kind(utf16, "greeting.txt"));
        Assert.Equal(DocumentKind.Html, Kind(utf16Html, "page.txt"));
    }

    [Fact]
    public void Utf16_without_bom_is_refused_because_of_its_nul_bytes()
    {
        Assert.Null(Kind(Encoding.Unicode.GetBytes("hello"), "hello.txt"));
    }

    [Fact]
    public void Utf8_cut_in_the_middle_of_a_character_at_the_end_of_the_head_is_text()
    {
        byte[] full = Encoding.UTF8.GetBytes(new string('a', DocumentTypeSniff.HeadBytes - 2) + "€"); // € is three bytes
        byte[] head = full[..DocumentTypeSniff.HeadBytes];

        Assert.Equal(DocumentKind.Text, Kind(head, "long.txt"));
    }

    [Theory]
    [InlineData("empty.pdf", DocumentKind.Pdf)]
    [InlineData("empty.docx", DocumentKind.Docx)]
    [InlineData("empty.txt", DocumentKind.Text)]
    [InlineData("empty.md", DocumentKind.Markdown)]
    public void Empty_head_is_typed_by_extension(string fileName, DocumentKind expected)
    {
        Assert.Equal(expected, Kind([], fileName));
    }

    [Fact]
    public void Empty_head_with_unknown_extension_is_refused()
    {
        Assert.Null(Kind([], "nothing.exe"));
    }
}
