using System.Text;
using DocQa.Core.Extraction;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace DocQa.Extraction.Tests;

/// <summary>Spreadsheets, CSV and TSV files, slide decks, and the parts of a Word file around its body.</summary>
public class OfficeExtractionTests
{
    [Fact]
    public void Each_sheet_is_a_page_headed_by_its_name_with_its_rows_under_their_header()
    {
        byte[] xlsx = OfficeDocuments.Xlsx(
            ("Sales", [["Region", "Q1", "Q2"], ["Europe", "1200", "1350.5"], ["Asia", "900", ""]]),
            ("Staff", [[], ["Name", "Role"], ["Ada Marsh", "Harbour master"]]));

        ExtractedDocument document = TestDocuments.Extract(xlsx, "figures.xlsx");

        Assert.Equal(2, document.Pages);
        Assert.Equal(new DocumentBlock(BlockKind.Heading, "Sales", 1, 1), document.Blocks[0]);
        Assert.Equal(new DocumentBlock(BlockKind.Table,
            "| Region | Q1 | Q2 |\n| --- | --- | --- |\n| Europe | 1200 | 1350.5 |\n| Asia | 900 | |", 1), document.Blocks[1]);
        Assert.Equal(new DocumentBlock(BlockKind.Heading, "Staff", 2, 1), document.Blocks[2]);
        // The empty first row is dropped; the next one is the header.
        Assert.Equal("| Name | Role |\n| --- | --- |\n| Ada Marsh | Harbour master |", document.Blocks[3].Text);
        Assert.Equal(2, document.Blocks[3].Page);
    }

    [Fact]
    public void A_csv_file_is_one_table_with_quoted_fields_kept_whole()
    {
        byte[] csv = Encoding.UTF8.GetBytes("Berth,Fee,Note\r\nA1,40,\"Near the pier, north side\"\r\nA2,55,\"Says \"\"reserved\"\"\"\r\n");

        ExtractedDocument document = TestDocuments.Extract(csv, "berths.csv");

        Assert.Equal(1, document.Pages);
        var table = Assert.Single(document.Blocks);
        Assert.Equal(BlockKind.Table, table.Kind);
        Assert.Equal("| Berth | Fee | Note |\n| --- | --- | --- |\n| A1 | 40 | Near the pier, north side |\n| A2 | 55 | Says \"reserved\" |", table.Text);
    }

    [Fact]
    public void Tsv_and_semicolon_separated_files_are_split_on_their_own_separator()
    {
        Assert.Equal("| Berth | Fee |\n| --- | --- |\n| A1 | 40,5 |",
            Assert.Single(TestDocuments.Extract(Encoding.UTF8.GetBytes("Berth;Fee\nA1;40,5\n"), "fees.csv").Blocks).Text);
        Assert.Equal("| Berth | Note |\n| --- | --- |\n| A1 | north, by the pier |",
            Assert.Single(TestDocuments.Extract(Encoding.UTF8.GetBytes("Berth\tNote\nA1\tnorth, by the pier\n"), "notes.tsv").Blocks).Text);
    }

    [Fact]
    public void Each_slide_is_a_page_with_its_title_text_table_and_notes()
    {
        byte[] pptx = OfficeDocuments.Pptx(
            new SlideText("Harbour plan", ["Dredging starts in May."], Notes: "Mention the permit from the council."),
            new SlideText("Budget", ["Figures in thousands."], Table: [["Item", "Cost"], ["Dredging", "420"], ["Lights", "75"]]));

        ExtractedDocument document = TestDocuments.Extract(pptx, "plan.pptx");

        Assert.Equal(2, document.Pages);
        Assert.Equal(new DocumentBlock(BlockKind.Heading, "Harbour plan", 1, 1), document.Blocks[0]);
        Assert.Equal(new DocumentBlock(BlockKind.Paragraph, "Dredging starts in May.", 1), document.Blocks[1]);
        Assert.Equal(new DocumentBlock(BlockKind.Paragraph, "Notes: Mention the permit from the council.", 1), document.Blocks[2]);
        Assert.Equal(new DocumentBlock(BlockKind.Heading, "Budget", 2, 1), document.Blocks[3]);
        Assert.Equal(new DocumentBlock(BlockKind.Table, "| Item | Cost |\n| --- | --- |\n| Dredging | 420 |\n| Lights | 75 |", 2), document.BlockWith("Dredging |"));
    }

    [Fact]
    public void Word_headers_footers_and_footnotes_are_read_once()
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            MainDocumentPart main = document.AddMainDocumentPart();
            main.Document = new Document(new Body(
                Paragraph("The harbour opens at dawn."),
                new Paragraph(new Run(new Break { Type = BreakValues.Page })),
                Paragraph("Fees are paid at the office.")));
            // Two headers with the same text (first page and default) are one text.
            main.AddNewPart<HeaderPart>().Header = new Header(Paragraph("Gull Harbor Authority"));
            main.AddNewPart<HeaderPart>().Header = new Header(Paragraph("Gull Harbor Authority"));
            main.AddNewPart<FooterPart>().Footer = new Footer(Paragraph("Confidential: for berth holders only"));
            main.AddNewPart<FootnotesPart>().Footnotes = new Footnotes(
                new Footnote(Paragraph("")) { Type = FootnoteEndnoteValues.Separator, Id = -1 },
                new Footnote(Paragraph("Dawn is taken from the tide tables.")) { Id = 1 });
        }

        ExtractedDocument extracted = TestDocuments.Extract(stream.ToArray(), "rules.docx");

        Assert.Equal(2, extracted.Pages);
        Assert.Equal(new DocumentBlock(BlockKind.Paragraph, "Gull Harbor Authority", 1), extracted.Blocks[0]);
        Assert.Equal(new DocumentBlock(BlockKind.Paragraph, "The harbour opens at dawn.", 1), extracted.Blocks[1]);
        Assert.Equal(new DocumentBlock(BlockKind.Paragraph, "Footnote 1: Dawn is taken from the tide tables.", 2), extracted.BlockWith("tide tables"));
        Assert.Equal(new DocumentBlock(BlockKind.Paragraph, "Confidential: for berth holders only", 2), extracted.Blocks[^1]);
        Assert.Single(extracted.Blocks, b => b.Text.Contains("Gull Harbor", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("plan.xlsx", DocumentKind.Xlsx)]
    [InlineData("plan.pptx", DocumentKind.Pptx)]
    public void Spreadsheet_and_deck_zip_bombs_are_refused_before_unpacking(string fileName, DocumentKind kind)
    {
        // An archive of more entries than any real file holds: refused from its directory alone.
        using var stream = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            for (int i = 0; i < 10_001; i++)
                archive.CreateEntry($"x/{i}.xml");
        }
        Assert.NotNull(TestDocuments.Extractor.Detect(stream.ToArray(), fileName));
        var failure = TestDocuments.ExtractFails(stream.ToArray(), kind);
        Assert.StartsWith($"the {kind.ToString().ToUpperInvariant()} is refused: it holds 10,001 files", failure.Message);
    }

    [Fact]
    public void A_workbook_with_a_dtd_fails_clearly_without_expanding_entities()
    {
        byte[] xlsx = HostileFiles.Xlsx;
        byte[] bomb = RepackPart(xlsx, "sharedStrings.xml", xml =>
            Encoding.UTF8.GetBytes("""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>"""));
        var failure = TestDocuments.ExtractFails(bomb, DocumentKind.Xlsx);
        Assert.StartsWith("the file is not a readable XLSX", failure.Message);
    }

    private static Paragraph Paragraph(string text) => new(new Run(new Text(text)));

    private static byte[] RepackPart(byte[] package, string nameEnd, Func<byte[], byte[]> change)
    {
        using var output = new MemoryStream();
        output.Write(package);
        using (var archive = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = archive.Entries.Single(e => e.FullName.EndsWith(nameEnd, StringComparison.Ordinal));
            string name = entry.FullName;
            byte[] xml;
            using (var read = entry.Open())
            using (var copy = new MemoryStream())
            {
                read.CopyTo(copy);
                xml = copy.ToArray();
            }
            entry.Delete();
            using var write = archive.CreateEntry(name).Open();
            write.Write(change(xml));
        }
        return output.ToArray();
    }
}
