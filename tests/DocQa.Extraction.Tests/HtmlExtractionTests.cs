using DocQa.Core.Extraction;

namespace DocQa.Extraction.Tests;

public class HtmlExtractionTests
{
    private const string Page = """
        <!DOCTYPE html>
        <html>
        <head>
          <title>  Travel   Policy </title>
          <style>body { color: red; } .secret { display: none }</style>
          <script>var leaked = "SCRIPT_TEXT";</script>
        </head>
        <body onload="alert('ONLOAD_TEXT')">
          <nav><a href="/">NAV_HOME</a> <a href="/about">NAV_ABOUT</a></nav>
          <h2>Booking   rules</h2>
          <p>Book flights <b>at least</b> two weeks
             ahead.</p>
          <p onclick="steal('ONCLICK_TEXT')">Use the <a href="javascript:evil('HREF_TEXT')">portal</a>.</p>
          <div>Loose text in a div.<p>Nested paragraph.</p>More loose text.</div>
          <ul><li>First item</li><li>Second item</li></ul>
          <table>
            <tr><th>Class</th><th>Limit</th></tr>
            <tr><td>Economy</td><td>$ 500</td></tr>
            <tr><td>Business <br>class</td><td>$ 2,000</td></tr>
          </table>
          <p>Line one<br>Line two</p>
          <pre>code  line 1
            indented line 2</pre>
          <noscript>NOSCRIPT_TEXT</noscript>
          <template><p>TEMPLATE_TEXT</p></template>
          <iframe src="x">IFRAME_TEXT</iframe>
          <svg><text>SVG_TEXT</text></svg>
          <form><label>Name</label><input value="INPUT_TEXT"><button>BUTTON_TEXT</button>
            <select><option>OPTION_TEXT</option></select><textarea>TEXTAREA_TEXT</textarea></form>
          <p hidden>HIDDEN_TEXT</p>
          <p style="display: none">STYLE_HIDDEN_TEXT</p>
          <!-- COMMENT_TEXT -->
        </body>
        </html>
        """;

    [Fact]
    public void Code_navigation_controls_hidden_elements_and_attributes_never_reach_the_text()
    {
        string text = TestDocuments.Extract(TestDocuments.Utf8(Page), "policy.html").AllText();

        foreach (string marker in new[]
        {
            "SCRIPT_TEXT", "color: red", "ONLOAD_TEXT", "NAV_HOME", "NAV_ABOUT", "ONCLICK_TEXT", "HREF_TEXT", "NOSCRIPT_TEXT",
            "TEMPLATE_TEXT", "IFRAME_TEXT", "SVG_TEXT", "INPUT_TEXT", "BUTTON_TEXT", "OPTION_TEXT", "TEXTAREA_TEXT",
            "HIDDEN_TEXT", "STYLE_HIDDEN_TEXT", "COMMENT_TEXT", "javascript",
        })
        {
            Assert.DoesNotContain(marker, text);
        }
    }

    [Fact]
    public void Blocks_follow_the_page_structure()
    {
        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(Page), "policy.html");

        Assert.Equal(1, document.Pages);
        Assert.All(document.Blocks, b => Assert.Equal(1, b.Page));
        Assert.Equal(
            [
                (BlockKind.Heading, "Travel Policy", 1),
                (BlockKind.Heading, "Booking rules", 2),
                (BlockKind.Paragraph, "Book flights at least two weeks ahead.", 0),
                (BlockKind.Paragraph, "Use the portal.", 0),
                (BlockKind.Paragraph, "Loose text in a div.", 0),
                (BlockKind.Paragraph, "Nested paragraph.", 0),
                (BlockKind.Paragraph, "More loose text.", 0),
                (BlockKind.Paragraph, "First item", 0),
                (BlockKind.Paragraph, "Second item", 0),
                (BlockKind.Table, "| Class | Limit |\n| --- | --- |\n| Economy | $ 500 |\n| Business class | $ 2,000 |", 0),
                (BlockKind.Paragraph, "Line one\nLine two", 0),
                (BlockKind.Paragraph, "code  line 1\n    indented line 2", 0),
                (BlockKind.Paragraph, "Name", 0),
            ],
            document.Blocks.Select(b => (b.Kind, b.Text, b.HeadingLevel)));
    }

    [Fact]
    public void Title_is_not_added_when_the_body_has_its_own_h1()
    {
        const string html = "<html><head><title>Site name</title></head><body><h1>Real heading</h1><p>Body.</p></body></html>";

        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(html), "page.htm");

        Assert.Equal(new DocumentBlock(BlockKind.Heading, "Real heading", 1, 1), document.Blocks[0]);
        Assert.DoesNotContain("Site name", document.AllText());
    }

    [Fact]
    public void Page_with_only_script_has_no_text()
    {
        ExtractionException error = TestDocuments.ExtractFails(
            TestDocuments.Utf8("<html><body><script>document.write('x')</script></body></html>"), DocumentKind.Html);

        Assert.Equal("no text found in the document", error.Message);
    }

    [Theory]
    [InlineData("<SCRIPT type=\"module\">MARKER()</SCRIPT>")]
    [InlineData("<svg><script>MARKER()</script></svg>")]
    [InlineData("<math><mtext><script>MARKER()</script></mtext></math>")]
    [InlineData("<img src=x onerror=\"MARKER()\">")]
    [InlineData("<a href=\"javascript:MARKER()\">link</a>")]
    [InlineData("<a href=\"JaVaScRiPt&colon;MARKER()\">link</a>")]
    [InlineData("<iframe srcdoc=\"<script>MARKER()</script>\"></iframe>")]
    [InlineData("<object data=\"javascript:MARKER()\"></object>")]
    [InlineData("<form action=\"javascript:MARKER()\"><button formaction=\"javascript:MARKER()\">go</button></form>")]
    [InlineData("<div style=\"background:url(javascript:MARKER())\">styled</div>")]
    [InlineData("<noembed><script>MARKER()</script></noembed>")]
    [InlineData("<noframes><script>MARKER()</script></noframes>")]
    [InlineData("<template><script>MARKER()</script></template>")]
    [InlineData("<style>@import 'MARKER';</style>")]
    [InlineData("<meta http-equiv=\"refresh\" content=\"0;url=javascript:MARKER()\">")]
    [InlineData("<body onload=\"MARKER()\" onmouseover=MARKER()>body</body>")]
    public void No_script_or_event_handler_reaches_the_text(string fragment)
    {
        string html = $"<html><head><title>Page</title></head><body><p>Visible words.</p>{fragment}</body></html>";

        string text = TestDocuments.Extract(TestDocuments.Utf8(html), "page.html").AllText();

        Assert.Contains("Visible words.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("MARKER", text, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_table_keeps_its_header_rows_spanning_cells_head_every_column_they_span()
    {
        const string html = """
            <table>
              <thead>
                <tr><th rowspan="2">Segment</th><th colspan="2">Nine Months Ended</th></tr>
                <tr><th>Oct 29, 2023</th><th>Oct 30, 2022</th></tr>
              </thead>
              <tbody>
                <tr><td>Compute &amp; Networking</td><td>$ 23,187</td><td>$ 11,571</td></tr>
                <tr><td>Graphics</td><td>$ 6,021</td><td>$ 6,948</td></tr>
              </tbody>
            </table>
            """;

        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(html), "segments.html");

        Assert.Equal(
            "| Segment | Nine Months Ended Oct 29, 2023 | Nine Months Ended Oct 30, 2022 |\n| --- | --- | --- |\n"
            + "| Compute & Networking | $ 23,187 | $ 11,571 |\n| Graphics | $ 6,021 | $ 6,948 |",
            Assert.Single(document.Blocks).Text);
    }

    [Fact]
    public void A_table_without_header_cells_or_figures_has_no_header()
    {
        const string html = "<table><tr><td>Pier</td><td>North</td></tr><tr><td>Gate</td><td>East</td></tr></table>";

        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(html), "places.html");

        Assert.Equal("| Pier | North |\n| Gate | East |", Assert.Single(document.Blocks).Text);
    }
}
