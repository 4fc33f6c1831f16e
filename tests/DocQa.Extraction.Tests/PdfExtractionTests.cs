using System.Globalization;
using System.Text;
using DocQa.Core.Extraction;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace DocQa.Extraction.Tests;

public class PdfExtractionTests
{
    /// <summary>
    /// Page 1: a large heading, two paragraphs, a bold stand-alone heading and a page number; page 2: a table
    /// whose cells are drawn separately, right to left, one of them a little off the baseline; page 3: no text.
    /// </summary>
    private static byte[] Report()
    {
        var builder = new PdfDocumentBuilder();
        var regular = builder.AddStandard14Font(Standard14Font.Helvetica);
        var bold = builder.AddStandard14Font(Standard14Font.HelveticaBold);

        PdfPageBuilder first = builder.AddPage(PageSize.A4);
        first.AddText("Annual Report", 24, new PdfPoint(50, 780), regular);
        first.AddText("The company sold many devices this year.", 11, new PdfPoint(50, 740), regular);
        first.AddText("Revenue grew in every region we serve.", 11, new PdfPoint(50, 726), regular);
        first.AddText("Margins were stable.", 11, new PdfPoint(50, 712), regular);
        first.AddText("A second paragraph starts after a gap.", 11, new PdfPoint(50, 680), regular);
        first.AddText("It has two lines.", 11, new PdfPoint(50, 666), regular);
        first.AddText("Segment Results", 11, new PdfPoint(50, 636), bold);
        first.AddText("Each segment is reviewed by management.", 11, new PdfPoint(50, 606), regular);
        first.AddText("1", 9, new PdfPoint(295, 30), regular);

        PdfPageBuilder second = builder.AddPage(PageSize.A4);
        second.AddText("Net sales by category were as follows.", 11, new PdfPoint(50, 760), regular);
        AddRow(second, regular, 720, "Total net sales", "81,797", "82,959", jitter: 0.6);
        AddRow(second, regular, 706, "Services", "21,213", "19,604", jitter: 0);
        second.AddText("2", 9, new PdfPoint(295, 30), regular);

        PdfPageBuilder third = builder.AddPage(PageSize.A4);
        third.DrawRectangle(new PdfPoint(100, 100), 200, 300, 2); // a drawing, no text

        return builder.Build();
    }

    private static void AddRow(PdfPageBuilder page, PdfDocumentBuilder.AddedFont font, double y, string label, string current, string previous, double jitter)
    {
        // Drawn from right to left so that the extractor has to sort the cells by position.
        page.AddText(previous, 11, new PdfPoint(362, y + jitter), font);
        page.AddText("$", 11, new PdfPoint(350, y), font);
        page.AddText(current, 11, new PdfPoint(262, y - jitter), font);
        page.AddText("$", 11, new PdfPoint(250, y), font);
        page.AddText(label, 11, new PdfPoint(50, y), font);
    }

    [Fact]
    public void Counts_pages_and_pages_without_text()
    {
        ExtractedDocument document = TestDocuments.Extract(Report(), "report.pdf");

        Assert.Equal(3, document.Pages);
        Assert.Equal(1, document.PagesWithoutText);
        Assert.DoesNotContain(document.Blocks, b => b.Page == 3);
    }

    [Fact]
    public void Larger_text_is_a_heading_and_blocks_split_at_gaps()
    {
        ExtractedDocument document = TestDocuments.Extract(Report(), "report.pdf");

        DocumentBlock title = document.Blocks[0];
        Assert.Equal(new DocumentBlock(BlockKind.Heading, "Annual Report", 1, 1), title);

        DocumentBlock first = document.Blocks[1];
        Assert.Equal(BlockKind.Paragraph, first.Kind);
        Assert.Equal(1, first.Page);
        Assert.Equal("The company sold many devices this year.\nRevenue grew in every region we serve.\nMargins were stable.", first.Text);

        Assert.Equal("A second paragraph starts after a gap.\nIt has two lines.", document.Blocks[2].Text);
    }

    [Fact]
    public void Bold_line_standing_alone_is_a_minor_heading()
    {
        ExtractedDocument document = TestDocuments.Extract(Report(), "report.pdf");

        DocumentBlock heading = document.BlockWith("Segment Results");
        Assert.Equal(BlockKind.Heading, heading.Kind);
        Assert.Equal(3, heading.HeadingLevel);
        Assert.Equal(BlockKind.Paragraph, document.BlockWith("Each segment is reviewed").Kind);
    }

    [Fact]
    public void Table_row_drawn_in_separate_pieces_is_one_line_in_reading_order()
    {
        ExtractedDocument document = TestDocuments.Extract(Report(), "report.pdf");

        DocumentBlock table = document.BlockWith("Total net sales");
        Assert.Equal(2, table.Page);
        Assert.Equal(BlockKind.Table, table.Kind);
        string[] lines = table.Text.Split('\n');
        Assert.Contains("| Total net sales | $ 81,797 | $ 82,959 |", lines);
        Assert.Contains("| Services | $ 21,213 | $ 19,604 |", lines);
    }

    [Fact]
    public void A_table_of_figures_is_read_with_its_column_headers_and_units()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        PdfPageBuilder page = builder.AddPage(PageSize.A4);
        page.AddText("Revenue by segment grew in both periods.", 11, new PdfPoint(50, 780), font);
        page.AddText("Revenue by segment (in millions):", 11, new PdfPoint(50, 750), font);
        // A header over two columns each, then one per column, as financial statements set them.
        page.AddText("Three Months Ended", 9, new PdfPoint(262, 730), font);
        page.AddText("Nine Months Ended", 9, new PdfPoint(422, 730), font);
        double[] columns = [240, 320, 400, 480];
        string[] dates = ["Oct 29, 2023", "Oct 30, 2022", "Oct 29, 2023", "Oct 30, 2022"];
        for (int c = 0; c < 4; c++)
            page.AddText(dates[c], 9, new PdfPoint(columns[c], 719), font);
        string[][] rows =
        [
            ["Compute & Networking", "$", "14,645", "$", "3,816", "$", "32,890", "$", "11,397"],
            ["Graphics", "", "2,856", "", "1,574", "", "7,087", "", "5,931"],
            ["Total", "$", "17,501", "$", "5,390", "$", "39,977", "$", "17,328"],
        ];
        double y = 705;
        foreach (string[] row in rows)
        {
            page.AddText(row[0], 11, new PdfPoint(50, y), font);
            for (int c = 0; c < 4; c++)
            {
                if (row[1 + 2 * c].Length > 0)
                    page.AddText(row[1 + 2 * c], 11, new PdfPoint(columns[c], y), font);
                page.AddText(row[2 + 2 * c], 11, new PdfPoint(columns[c] + 16, y), font);
            }
            y -= 14;
        }
        page.AddText("Graphics revenue fell as channel inventory was reduced.", 11, new PdfPoint(50, y - 20), font);

        ExtractedDocument document = TestDocuments.Extract(builder.Build(), "segments.pdf");

        Assert.Equal(
            [
                (BlockKind.Paragraph, "Revenue by segment grew in both periods."),
                (BlockKind.Paragraph, "Revenue by segment (in millions):"),
                (BlockKind.Table,
                    "| (In millions) | Three Months Ended Oct 29, 2023 | Three Months Ended Oct 30, 2022 | Nine Months Ended Oct 29, 2023 | Nine Months Ended Oct 30, 2022 |\n"
                    + "| --- | --- | --- | --- | --- |\n"
                    + "| Compute & Networking | $ 14,645 | $ 3,816 | $ 32,890 | $ 11,397 |\n"
                    + "| Graphics | 2,856 | 1,574 | 7,087 | 5,931 |\n"
                    + "| Total | $ 17,501 | $ 5,390 | $ 39,977 | $ 17,328 |"),
                (BlockKind.Paragraph, "Graphics revenue fell as channel inventory was reduced."),
            ],
            document.Blocks.Select(b => (b.Kind, b.Text)));
    }

    [Fact]
    public void A_header_cell_over_one_column_heads_that_column_only_and_a_period_over_several_heads_them_all()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        PdfPageBuilder page = builder.AddPage(PageSize.A4);
        page.AddText("Other income (expense), net, was as follows.", 11, new PdfPoint(50, 780), font);
        // "Three Months Ended" over the two periods; "$" and "%" over the change columns beside them, each its own.
        page.AddText("Three Months Ended", 9, new PdfPoint(280, 750), font);
        page.AddText("April 30,", 9, new PdfPoint(250, 739), font);
        page.AddText("May 1,", 9, new PdfPoint(330, 739), font);
        page.AddText("$", 9, new PdfPoint(425, 739), font);
        page.AddText("%", 9, new PdfPoint(497, 739), font);
        page.AddText("2023", 9, new PdfPoint(255, 728), font);
        page.AddText("2022", 9, new PdfPoint(330, 728), font);
        page.AddText("Change", 9, new PdfPoint(410, 728), font);
        page.AddText("Change", 9, new PdfPoint(480, 728), font);
        string[][] rows = [["Interest income", "150", "18", "132", "733 %"], ["Interest expense", "(66)", "(68)", "2", "(3)%"]];
        double y = 712;
        foreach (string[] row in rows)
        {
            page.AddText(row[0], 11, new PdfPoint(50, y), font);
            for (int c = 0; c < 4; c++)
                page.AddText(row[1 + c], 11, new PdfPoint(260 + 75 * c, y), font);
            y -= 14;
        }
        // A tall header of one column ("Expected" over "Remaining Term (years)") beside dated columns.
        page.AddText("Expected", 9, new PdfPoint(255, 640), font);
        page.AddText("Remaining Term", 9, new PdfPoint(245, 629), font);
        page.AddText("April 30,", 9, new PdfPoint(330, 629), font);
        page.AddText("January 29,", 9, new PdfPoint(405, 629), font);
        page.AddText("(years)", 9, new PdfPoint(257, 618), font);
        page.AddText("2023", 9, new PdfPoint(335, 618), font);
        page.AddText("2023", 9, new PdfPoint(415, 618), font);
        page.AddText("3.20% Notes Due 2026", 11, new PdfPoint(50, 602), font);
        page.AddText("3.4", 11, new PdfPoint(262, 602), font);
        page.AddText("1,000", 11, new PdfPoint(335, 602), font);
        page.AddText("1,000", 11, new PdfPoint(415, 602), font);
        page.AddText("1.55% Notes Due 2028", 11, new PdfPoint(50, 588), font);
        page.AddText("5.1", 11, new PdfPoint(262, 588), font);
        page.AddText("1,250", 11, new PdfPoint(335, 588), font);
        page.AddText("1,250", 11, new PdfPoint(415, 588), font);

        // A date alone over the middle one of three columns heads all three.
        page.AddText("June 30, 2023", 9, new PdfPoint(330, 540), font);
        page.AddText("Operating", 9, new PdfPoint(255, 529), font);
        page.AddText("Finance Leases", 9, new PdfPoint(322, 529), font);
        page.AddText("Total", 9, new PdfPoint(415, 529), font);
        page.AddText("Leases", 9, new PdfPoint(258, 518), font);
        page.AddText("Total lease liabilities", 11, new PdfPoint(50, 502), font);
        page.AddText("3,400", 11, new PdfPoint(262, 502), font);
        page.AddText("2,100", 11, new PdfPoint(335, 502), font);
        page.AddText("5,500", 11, new PdfPoint(415, 502), font);
        page.AddText("Less imputed interest", 11, new PdfPoint(50, 488), font);
        page.AddText("(400)", 11, new PdfPoint(262, 488), font);
        page.AddText("(300)", 11, new PdfPoint(335, 488), font);
        page.AddText("(700)", 11, new PdfPoint(415, 488), font);

        ExtractedDocument document = TestDocuments.Extract(builder.Build(), "other-income.pdf");

        var tables = document.Blocks.Where(b => b.Kind == BlockKind.Table).Select(b => b.Text.Split('\n')[0]).ToList();
        Assert.Equal(
            [
                "| | Three Months Ended April 30, 2023 | Three Months Ended May 1, 2022 | Three Months Ended $ Change | Three Months Ended % Change |",
                "| | Expected Remaining Term (years) | April 30, 2023 | January 29, 2023 |",
                "| | June 30, 2023 Operating Leases | June 30, 2023 Finance Leases | June 30, 2023 Total |",
            ],
            tables);
    }

    [Fact]
    public void A_row_of_years_over_the_figures_is_the_header_with_the_period_at_its_left()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        PdfPageBuilder page = builder.AddPage(PageSize.A4);
        string[][] rows =
        [
            ["Three Months Ended September 30,", "2023", "2022"],
            ["Product", "$ 15,535", "$ 15,741"],
            ["Service and other", "40,982", "34,381"],
        ];
        double y = 780;
        foreach (string[] row in rows)
        {
            page.AddText(row[0], 10, new PdfPoint(50, y), font);
            page.AddText(row[1], 10, new PdfPoint(380, y), font);
            page.AddText(row[2], 10, new PdfPoint(460, y), font);
            y -= 14;
        }

        ExtractedDocument document = TestDocuments.Extract(builder.Build(), "income.pdf");

        Assert.Equal(
            "| Three Months Ended September 30, | 2023 | 2022 |\n| --- | --- | --- |\n| Product | $ 15,535 | $ 15,741 |\n| Service and other | 40,982 | 34,381 |",
            Assert.Single(document.Blocks).Text);
    }

    [Fact]
    public void Prose_with_figures_is_no_table()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        PdfPageBuilder page = builder.AddPage(PageSize.A4);
        page.AddText("Revenue was $7,192 million in the first quarter, up 19% from a year ago.", 11, new PdfPoint(50, 780), font);
        page.AddText("Gross margin was 64.6% and operating expenses were $2,508 million.", 11, new PdfPoint(50, 766), font);
        page.AddText("Cash of $15,320 million was held at the end of the quarter.", 11, new PdfPoint(50, 752), font);

        ExtractedDocument document = TestDocuments.Extract(builder.Build(), "prose.pdf");

        Assert.All(document.Blocks, b => Assert.Equal(BlockKind.Paragraph, b.Kind));
    }

    [Fact]
    public void Page_numbers_are_dropped()
    {
        ExtractedDocument document = TestDocuments.Extract(Report(), "report.pdf");

        IEnumerable<string> lines = document.Blocks.SelectMany(b => b.Text.Split('\n'));
        Assert.DoesNotContain("1", lines);
        Assert.DoesNotContain("2", lines);
    }

    [Fact]
    public void Reads_from_a_stream_that_cannot_seek()
    {
        var extractor = new DocumentExtractor();

        ExtractedDocument document = extractor.Extract(new ForwardOnlyStream(Report()), new DocumentType(DocumentKind.Pdf, "application/pdf"));

        Assert.Equal(3, document.Pages);
        Assert.Contains(document.Blocks, b => b.Text == "Annual Report");
    }

    [Fact]
    public void Header_repeated_on_most_pages_is_dropped_but_text_is_kept()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (int i = 1; i <= 5; i++)
        {
            PdfPageBuilder page = builder.AddPage(PageSize.A4);
            page.AddText("Example Corp | Quarterly Report", 9, new PdfPoint(50, 810), font);
            page.AddText($"Body text of page {i} is here.", 11, new PdfPoint(50, 700), font);
            page.AddText($"Example Corp | Form 10-Q | {i + 2}", 9, new PdfPoint(50, 30), font);
        }

        ExtractedDocument document = TestDocuments.Extract(builder.Build(), "quarterly.pdf");

        string text = document.AllText();
        Assert.DoesNotContain("Example Corp", text);
        for (int i = 1; i <= 5; i++)
            Assert.Equal(i, document.BlockWith($"Body text of page {i} is here.").Page);
    }

    [Fact]
    public void Pdf_without_any_text_is_refused_with_the_pages_OCR_could_read()
    {
        // Pages that draw curves could hold text drawn as outlines: they lack a text layer, and OCR would read them.
        var drawn = new PdfDocumentBuilder();
        drawn.AddPage(PageSize.A4).DrawCircle(new PdfPoint(100, 100), 50);
        drawn.AddPage(PageSize.A4).DrawEllipsis(new PdfPoint(100, 100), 80, 40);
        ExtractionException error = TestDocuments.ExtractFails(drawn.Build(), DocumentKind.Pdf);
        // The shared extractor runs without OCR; OcrExtractionTests covers the other cases.
        Assert.Equal("no text found: pages 1-2 have no text layer and OCR is turned off (Ocr:Enabled)", error.Message);

        // Rules and boxes alone hold nothing to read: the PDF simply has no text, and no page is sent to OCR.
        var ruled = new PdfDocumentBuilder();
        ruled.AddPage(PageSize.A4).DrawRectangle(new PdfPoint(10, 10), 50, 50);
        ruled.AddPage(PageSize.A4).DrawLine(new PdfPoint(10, 10), new PdfPoint(100, 100));
        error = TestDocuments.ExtractFails(ruled.Build(), DocumentKind.Pdf);
        Assert.Equal("no text found in the document", error.Message);
    }

    [Fact]
    public void Garbage_after_the_pdf_header_is_refused_as_unreadable()
    {
        var random = new Random(7);
        byte[] garbage = new byte[4000];
        random.NextBytes(garbage);
        byte[] content = [.. "%PDF-1.7\n"u8, .. garbage];

        ExtractionException error = TestDocuments.ExtractFails(content, DocumentKind.Pdf);

        Assert.StartsWith("the file is not a readable PDF: ", error.Message);
        Assert.True(error.Message.Length < 300);
    }

    [Fact]
    public void Truncated_pdf_is_refused_as_unreadable()
    {
        byte[] full = Report();
        byte[] truncated = full[..(full.Length / 3)];

        ExtractionException error = TestDocuments.ExtractFails(truncated, DocumentKind.Pdf);

        Assert.StartsWith("the file is not a readable PDF", error.Message);
    }

    [Fact]
    public void Pdf_that_needs_a_password_is_refused_as_encrypted()
    {
        // A standard security handler whose password checks match neither the empty user password nor
        // any owner password: no reader can open it without the password.
        string hash = string.Concat(Enumerable.Repeat("5A3C", 16));
        byte[] content = HandWrittenPdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
                StreamObject("\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008"),
                $"<< /Filter /Standard /V 1 /R 2 /O <{hash}> /U <{hash}> /P -44 >>",
            ],
            "/Encrypt 5 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]");

        ExtractionException error = TestDocuments.ExtractFails(content, DocumentKind.Pdf);

        Assert.Equal("the PDF is encrypted", error.Message);
    }

    [Fact]
    public void Hand_written_pdf_helper_makes_a_readable_pdf()
    {
        // Guards the encrypted test above: the same file without /Encrypt must read fine.
        byte[] content = HandWrittenPdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
                StreamObject("BT /F1 12 Tf 72 700 Td (Plain words) Tj ET"),
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            ],
            "");

        ExtractedDocument document = TestDocuments.Extract(content, "plain.pdf");

        Assert.Equal("Plain words", Assert.Single(document.Blocks).Text);
    }

    [Fact]
    public void Rotated_text_is_read_along_its_own_direction_after_the_main_text()
    {
        // Two lines turned a quarter to the left (reading upwards), as in a margin note; the first line is
        // the one further left.
        byte[] content = HandWrittenPdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
                StreamObject(
                    "BT /F1 12 Tf 1 0 0 1 200 700 Tm (Main text of the page.) Tj ET " +
                    "BT /F1 12 Tf 0 1 -1 0 115 100 Tm (Second rotated line) Tj ET " +
                    "BT /F1 12 Tf 0 1 -1 0 100 100 Tm (First rotated line) Tj ET"),
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            ],
            "");

        ExtractedDocument document = TestDocuments.Extract(content, "margin.pdf");

        Assert.Equal(["Main text of the page.", "First rotated line\nSecond rotated line"], document.Blocks.Select(b => b.Text));
    }

    [Fact]
    public void Cancellation_stops_the_extraction()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new DocumentExtractor().Extract(new MemoryStream(Report()), new DocumentType(DocumentKind.Pdf, "application/pdf"), cancelled.Token));
    }

    private static string StreamObject(string data) =>
        $"<< /Length {Encoding.Latin1.GetByteCount(data)} >>\nstream\n{data}\nendstream";

    /// <summary>A PDF written by hand, object by object, with a correct cross-reference table.</summary>
    private static byte[] HandWrittenPdf(string[] objects, string trailerExtra)
    {
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (int i = 0; i < objects.Length; i++)
        {
            offsets.Add(Encoding.Latin1.GetByteCount(pdf.ToString()));
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        int xref = Encoding.Latin1.GetByteCount(pdf.ToString());
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (int offset in offsets)
            pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R {trailerExtra} >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.Latin1.GetBytes(pdf.ToString());
    }
}
