using System.IO.Compression;
using DocQa.Core.Extraction;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace DocQa.Extraction.Tests;

public class DocxExtractionTests
{
    private static byte[] Docx(params OpenXmlElement[] bodyContent)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            MainDocumentPart main = document.AddMainDocumentPart();
            main.AddNewPart<StyleDefinitionsPart>().Styles = new Styles(
                ParagraphStyle("Title", "Title"),
                ParagraphStyle("Heading1", "heading 1"),
                // A localized id: only the style's name tells that it is a heading.
                ParagraphStyle("berschrift2", "heading 2"),
                ParagraphStyle("ChapterStyle", "Chapter", new BasedOn { Val = "Heading1" }),
                ParagraphStyle("OutlinePara", "Outline Para", new StyleParagraphProperties(new OutlineLevel { Val = 2 })),
                ParagraphStyle("Quote", "Quote"));
            main.Document = new Document(new Body(bodyContent));
        }
        return stream.ToArray();
    }

    private static Style ParagraphStyle(string id, string name, params OpenXmlElement[] extra) =>
        new(new OpenXmlElement[] { new StyleName { Val = name } }.Concat(extra)) { Type = StyleValues.Paragraph, StyleId = id };

    private static Paragraph P(string text, string? style = null)
    {
        var paragraph = new Paragraph(new Run(new Text(text) { Space = SpaceProcessingModeValues.Preserve }));
        if (style is not null)
            paragraph.PrependChild(new ParagraphProperties(new ParagraphStyleId { Val = style }));
        return paragraph;
    }

    private static Table Table(params string[][] rows) =>
        new(rows.Select(cells => new TableRow(cells.Select(cell => new TableCell(P(cell))))));

    private static byte[] Report() => Docx(
        P("Quarterly Review", "Title"),
        P("Introduction", "Heading1"),
        P("The first paragraph of the review."),
        new Paragraph(new Run(new Text("Split ") { Space = SpaceProcessingModeValues.Preserve }), new Run(new Text("across runs."))),
        new Paragraph(
            new ParagraphProperties(new NumberingProperties(new NumberingLevelReference { Val = 0 }, new NumberingId { Val = 1 })),
            new Run(new Text("A list item."))),
        Table(["Region", "Sales"], ["Europe", "1,200"], ["Asia", "900"]),
        new Paragraph(new Run(new Text("Kept words")), new DeletedRun(new DeletedText(" removed words"))),
        new Paragraph(new Run(new Break { Type = BreakValues.Page })),
        // Word also marks where it laid out the new page; the break must not count twice.
        new Paragraph(new Run(new LastRenderedPageBreak(), new Text("After the page break."))),
        P("Details", "berschrift2"),
        P("Chapter heading", "ChapterStyle"),
        P("Outline heading", "OutlinePara"),
        P("Quoted text.", "Quote"),
        new Paragraph(new Run(new LastRenderedPageBreak(), new Text("Third page text."))));

    [Fact]
    public void Paragraphs_in_body_order_with_styled_headings()
    {
        ExtractedDocument document = TestDocuments.Extract(Report(), "review.docx");

        Assert.Equal(
            [
                (BlockKind.Heading, "Quarterly Review", 1),
                (BlockKind.Heading, "Introduction", 1),
                (BlockKind.Paragraph, "The first paragraph of the review.", 0),
                (BlockKind.Paragraph, "Split across runs.", 0),
                (BlockKind.Paragraph, "A list item.", 0),
                (BlockKind.Table, "| Region | Sales |\n| --- | --- |\n| Europe | 1,200 |\n| Asia | 900 |", 0),
                (BlockKind.Paragraph, "Kept words", 0),
                (BlockKind.Paragraph, "After the page break.", 0),
                (BlockKind.Heading, "Details", 2),
                (BlockKind.Heading, "Chapter heading", 1),
                (BlockKind.Heading, "Outline heading", 3),
                (BlockKind.Paragraph, "Quoted text.", 0),
                (BlockKind.Paragraph, "Third page text.", 0),
            ],
            document.Blocks.Select(b => (b.Kind, b.Text, b.HeadingLevel)));
    }

    [Fact]
    public void Pages_follow_page_breaks_counting_each_break_once()
    {
        ExtractedDocument document = TestDocuments.Extract(Report(), "review.docx");

        Assert.Equal(3, document.Pages);
        Assert.Equal(1, document.BlockWith("| Region | Sales |").Page);
        Assert.Equal(2, document.BlockWith("After the page break.").Page);
        Assert.Equal(2, document.BlockWith("Quoted text.").Page);
        Assert.Equal(3, document.BlockWith("Third page text.").Page);
    }

    [Fact]
    public void Nested_table_text_in_a_cell_is_joined_by_spaces()
    {
        var outer = new Table(new TableRow(
            new TableCell(P("Outer"), P("second line")),
            new TableCell(Table(["inner a", "inner b"]), P(" "))));

        ExtractedDocument document = TestDocuments.Extract(Docx(outer), "nested.docx");

        Assert.Equal("| Outer second line | inner a inner b |", Assert.Single(document.Blocks).Text);
    }

    [Fact]
    public void Page_break_before_a_paragraph_moves_it_to_the_next_page()
    {
        var moved = new Paragraph(new ParagraphProperties(new PageBreakBefore()), new Run(new Text("Moved.")));

        ExtractedDocument document = TestDocuments.Extract(Docx(P("Start."), moved), "moved.docx");

        Assert.Equal(2, document.Pages);
        Assert.Equal(2, document.BlockWith("Moved.").Page);
    }

    [Fact]
    public void Document_without_text_is_refused()
    {
        ExtractionException error = TestDocuments.ExtractFails(Docx(new Paragraph(), P("   ")), DocumentKind.Docx);

        Assert.Equal("no text found in the document", error.Message);
    }

    [Fact]
    public void Corrupt_zip_is_refused_as_unreadable()
    {
        byte[] content = [.. "PK\u0003\u0004"u8, .. Enumerable.Range(0, 500).Select(i => (byte)(i * 31))];

        ExtractionException error = TestDocuments.ExtractFails(content, DocumentKind.Docx);

        Assert.StartsWith("the file is not a readable DOCX", error.Message);
    }

    [Fact]
    public void Zip_that_is_not_a_word_document_is_refused_as_unreadable()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("notes.txt").Open());
            writer.Write("not a document");
        }

        ExtractionException error = TestDocuments.ExtractFails(stream.ToArray(), DocumentKind.Docx);

        Assert.StartsWith("the file is not a readable DOCX", error.Message);
    }

    [Fact]
    public void A_table_keeps_its_header_rows_and_a_header_over_several_columns_heads_each_of_them()
    {
        // A header row marked to repeat on each page, a cell spanning two columns over "2023" and "2022", and a
        // first row of words over rows of figures.
        static TableCell Cell(string text, int span = 1) =>
            span == 1 ? new TableCell(P(text)) : new TableCell(new TableCellProperties(new GridSpan { Val = span }), P(text));
        var table = new Table(
            new TableRow(new TableRowProperties(new TableHeader()), Cell(""), Cell("Three Months Ended", 2)),
            new TableRow(new TableRowProperties(new TableHeader()), Cell("(In millions)"), Cell("2023"), Cell("2022")),
            new TableRow(Cell("Revenue"), Cell("$ 7,192"), Cell("$ 8,288")));

        ExtractedDocument document = TestDocuments.Extract(Docx(table), "results.docx");

        Assert.Equal(
            "| (In millions) | Three Months Ended 2023 | Three Months Ended 2022 |\n| --- | --- | --- |\n| Revenue | $ 7,192 | $ 8,288 |",
            Assert.Single(document.Blocks).Text);
    }
}
