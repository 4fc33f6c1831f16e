using DocQa.Core.Documents;
using DocQa.Core.Extraction;
using DocQa.Core.Understanding;

namespace DocQa.Core.Tests;

public class MetadataReaderTests
{
    private static ExtractedDocument Document(params DocumentBlock[] blocks) => new(blocks, blocks.Max(b => b.Page));

    private static DocumentBlock Heading(string text, int page = 1) => new(BlockKind.Heading, text, page, 1);

    private static DocumentBlock Paragraph(string text, int page = 1) => new(BlockKind.Paragraph, text, page);

    [Fact]
    public void A_filing_cover_gives_the_registrant_the_kind_and_the_period_ended()
    {
        var cover = Document(
            Heading("UNITED STATES SECURITIES AND EXCHANGE COMMISSION"),
            Paragraph("Washington, D.C. 20549\nFORM 10-Q\n(Mark One)\n☒ QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934\n"
                + "For the quarterly period ended July 1, 2023\nor\n☐ TRANSITION REPORT PURSUANT TO SECTION 13 OR 15(d)\nCommission File Number 000-12345"),
            new DocumentBlock(BlockKind.Table, "| NORTHWIND TRADERS CORPORATION |\n|---|\n| (Exact name of registrant as specified in its charter) |", 1),
            Paragraph("As of July 28, 2023, the registrant had 4,176 million shares of common stock outstanding."),
            Paragraph("Part I. Financial information", page: 2));

        var metadata = MetadataReader.Read(cover, "northwind-10q.pdf");

        Assert.Equal("UNITED STATES SECURITIES AND EXCHANGE COMMISSION", metadata[DocumentMetadata.Title]);
        Assert.Equal("NORTHWIND TRADERS CORPORATION", metadata[DocumentMetadata.Organization]);
        Assert.Equal("quarterly-report", metadata[DocumentMetadata.Type]);
        Assert.Equal("2023-07-01", metadata[DocumentMetadata.PeriodEnd]);
        Assert.Equal("quarterly period ended July 1, 2023", metadata[DocumentMetadata.Period]);
        Assert.False(metadata.ContainsKey(DocumentMetadata.PeriodStart));
        Assert.False(metadata.ContainsKey(DocumentMetadata.FiscalQuarter));
    }

    [Fact]
    public void A_handbook_gives_its_organisation_and_the_date_it_takes_effect()
    {
        var handbook = Document(
            Heading("Acme Corporation Employee Handbook"),
            Paragraph("Effective January 1, 2024"),
            Paragraph("Welcome to Acme Corporation. This handbook sets out the policies that apply to every employee, "
                + "including the leave policy agreed with the works council."));

        var metadata = MetadataReader.Read(handbook, "handbook.docx");

        Assert.Equal("Acme Corporation Employee Handbook", metadata[DocumentMetadata.Title]);
        Assert.Equal("Acme Corporation", metadata[DocumentMetadata.Organization]);
        Assert.Equal("handbook", metadata[DocumentMetadata.Type]);
        Assert.Equal("2024-01-01", metadata[DocumentMetadata.PeriodStart]);
        Assert.Equal("Effective January 1, 2024", metadata[DocumentMetadata.Period]);
        Assert.False(metadata.ContainsKey(DocumentMetadata.PeriodEnd));
    }

    [Fact]
    public void A_contract_gives_its_first_party_and_its_term()
    {
        var contract = Document(
            Heading("Master Services Agreement"),
            Paragraph("This Master Services Agreement is entered into between Foo, Inc. (\"Customer\") and Bar Ltd (\"Supplier\"). "
                + "Its term runs from January 1, 2024 to December 31, 2025. Foo, Inc. pays monthly."));

        var metadata = MetadataReader.Read(contract, "msa.pdf");

        Assert.Equal("Master Services Agreement", metadata[DocumentMetadata.Title]);
        Assert.Equal("Foo, Inc.", metadata[DocumentMetadata.Organization]);
        Assert.Equal("contract", metadata[DocumentMetadata.Type]);
        Assert.Equal("2024-01-01", metadata[DocumentMetadata.PeriodStart]);
        Assert.Equal("2025-12-31", metadata[DocumentMetadata.PeriodEnd]);
        Assert.Equal("January 1, 2024 to December 31, 2025", metadata[DocumentMetadata.Period]);
    }

    [Fact]
    public void A_report_naming_its_fiscal_quarter_gives_the_quarter_and_year_and_its_declared_title()
    {
        var report = Document(
            Heading("Results"),
            Paragraph("Baz GmbH reports its results for the first quarter of fiscal 2024. Revenue rose in every region."))
            with { Title = "Baz quarterly results" };

        var metadata = MetadataReader.Read(report, "results.pdf");

        Assert.Equal("Baz quarterly results", metadata[DocumentMetadata.Title]);
        Assert.Equal("Baz GmbH", metadata[DocumentMetadata.Organization]);
        Assert.Equal("2024", metadata[DocumentMetadata.FiscalYear]);
        Assert.Equal("1", metadata[DocumentMetadata.FiscalQuarter]);
        Assert.Equal("first quarter of fiscal 2024", metadata[DocumentMetadata.Period]);
    }

    [Fact]
    public void Minutes_name_the_organisation_not_its_board()
    {
        var minutes = Document(Paragraph("Minutes of the Meeting of the Board of Directors of Acme Inc.\nHeld on March 5, 2024 at the head office."));

        var metadata = MetadataReader.Read(minutes, "board.txt");

        Assert.Equal("Acme Inc.", metadata[DocumentMetadata.Organization]);
        Assert.Equal("minutes", metadata[DocumentMetadata.Type]);
    }

    [Fact]
    public void An_invoice_is_recognised_by_its_cue_word()
    {
        var invoice = Document(Heading("INVOICE"), Paragraph("Invoice number 1042\nBill to: Contoso Ltd\nAmount due: 1,200.00"));

        var metadata = MetadataReader.Read(invoice, "inv-1042.pdf");

        Assert.Equal("invoice", metadata[DocumentMetadata.Type]);
        Assert.Equal("Contoso Ltd", metadata[DocumentMetadata.Organization]);
    }

    [Fact]
    public void A_wiki_page_without_a_legal_name_or_period_gets_none_and_placeholder_titles_are_skipped()
    {
        var page = Document(
            Heading("Deploying the service"),
            Paragraph("The Company runs the service on two hosts. Deploy from the main branch after the tests pass."))
            with { Title = "Microsoft Word - deploy.docx" };

        var metadata = MetadataReader.Read(page, "deploy.docx");

        Assert.Equal("Deploying the service", metadata[DocumentMetadata.Title]);
        Assert.Equal("other", metadata[DocumentMetadata.Type]);
        Assert.Equal([DocumentMetadata.Title, DocumentMetadata.Type], metadata.Keys.Order());
    }

    [Fact]
    public void Without_a_title_or_heading_the_file_name_is_the_title()
    {
        var notes = Document(Paragraph("Notes from the planning session."));

        Assert.Equal("team notes", MetadataReader.Read(notes, "team_notes.txt")[DocumentMetadata.Title]);
    }

    [Fact]
    public void Tags_of_metadata_keys_override_the_derived_values_and_filters_ignore_case()
    {
        var record = new DocumentRecord
        {
            Index = "main", Id = "doc", FileName = "doc.pdf", ContentType = "application/pdf", Sha256 = "abc",
            Metadata = new Dictionary<string, string> { ["organization"] = "ACME CORPORATION", ["type"] = "other" },
            Tags = new Dictionary<string, string> { ["type"] = "policy", ["team"] = "legal" },
        };

        var metadata = DocumentMetadata.Of(record);

        Assert.Equal("policy", metadata["type"]);
        Assert.Equal("ACME CORPORATION", metadata["organization"]);
        Assert.False(metadata.ContainsKey("team"));
        Assert.True(DocumentMetadata.Matches(metadata, new Dictionary<string, string> { ["organization"] = "Acme Corporation", ["type"] = "POLICY" }));
        Assert.False(DocumentMetadata.Matches(metadata, new Dictionary<string, string> { ["organization"] = "Acme" }));
    }
}
