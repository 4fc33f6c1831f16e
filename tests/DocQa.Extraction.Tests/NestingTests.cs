using System.Diagnostics;
using System.Text;
using DocQa.Core.Extraction;
using Xunit.Abstractions;

namespace DocQa.Extraction.Tests;

/// <summary>Timing tests share the machine with nothing else of this suite, so that their measurements mean something.</summary>
[CollectionDefinition(nameof(NestingTiming), DisableParallelization = true)]
public sealed class NestingTiming;

/// <summary>
/// Deeply nested documents: extraction takes time linear in the nesting (measured at two depths), keeps the text
/// where the nesting can be cut, and refuses with a clear reason where it cannot.
/// </summary>
[Collection(nameof(NestingTiming))]
public class NestingTests(ITestOutputHelper output)
{
    private const int Shallow = 10_000;
    private const int Deep = 100_000;

    // Linear time grows about 10× from the shallow to the deep document, quadratic time 100×; the margin above 10 is
    // for the busy machines tests run on and for readers that are a little worse than linear (n log n is 12.5×).
    private const double MaxRatio = 20;

    public static TheoryData<string> Pathological => new()
    {
        "html divs", "html divs left open", "html pre", "html formatting", "html lists", "html tables",
        "markdown brackets", "markdown emphasis", "markdown quotes", "markdown lists", "markdown html blocks",
        "docx content controls", "docx tables", "pdf page tree",
    };

    [Theory]
    [MemberData(nameof(Pathological))]
    public void Extraction_time_grows_linearly_with_the_nesting(string name)
    {
        Func<int, byte[]> make = Make(name, out DocumentKind kind);
        byte[] shallowDocument = make(Shallow), deepDocument = make(Deep);
        Extract(shallowDocument, kind); // warms up the code

        // Runs of the two sizes alternate, so that a busy moment of the machine slows both alike; each keeps its
        // best. The deep document gets the time that linear growth allows and a little more; today's quadratic
        // time for 100,000 levels is minutes, so it is stopped there rather than waited for.
        TimeSpan shallow = TimeSpan.MaxValue, deep = TimeSpan.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            TimeSpan shallowRun = Timed(() => Extract(shallowDocument, kind), TimeSpan.FromMinutes(1)) ?? TimeSpan.FromMinutes(1);
            shallow = shallowRun < shallow ? shallowRun : shallow;
            TimeSpan? deepRun = Timed(() => Extract(deepDocument, kind), MaxRatio * Floor(shallow) + TimeSpan.FromSeconds(1));
            // A deep run stopped at its budget may have met a busy moment: the next round tries again.
            if (deepRun is null)
                continue;
            deep = deepRun.Value < deep ? deepRun.Value : deep;
            if (deep <= MaxRatio * Floor(shallow))
                break;
        }

        string deepTime = deep == TimeSpan.MaxValue ? $"more than {(MaxRatio * Floor(shallow)).TotalSeconds + 1:0.0} s" : $"{deep.TotalSeconds:0.000} s";
        output.WriteLine($"{name}: depth {Shallow:N0} {shallow.TotalSeconds:0.000} s, depth {Deep:N0} {deepTime}");
        Assert.True(deep <= MaxRatio * Floor(shallow),
            $"{name}: {Deep:N0} levels took {deepTime}, more than {MaxRatio}× the {shallow.TotalSeconds:0.000} s of {Shallow:N0} levels");
    }

    [Fact]
    public void Html_nested_past_the_limit_keeps_all_its_text()
    {
        var html = new StringBuilder("<!DOCTYPE html><html><body>");
        for (int i = 0; i < 2000; i++)
            html.Append(i % 7 == 0 ? "<span>" : "").Append("<div><p>word").Append(i).Append(' ');
        html.Append("last words");

        string text = TestDocuments.Extract(TestDocuments.Utf8(html.ToString()), "deep.html").AllText();

        string[] words = text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"word{i}").Concat(["last", "words"]), words);
    }

    [Fact]
    public void Html_nested_below_the_limit_keeps_its_structure()
    {
        // Each level holds a paragraph of its own, so every paragraph stays a block of its own.
        const int levels = HtmlNestingLimit - 10;
        var html = new StringBuilder("<!DOCTYPE html><body>");
        for (int i = 0; i < levels; i++)
            html.Append("<div><p>paragraph ").Append(i).Append("</p>");
        html.Append(new StringBuilder().Insert(0, "</div>", levels));

        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(html.ToString()), "nested.html");

        Assert.Equal(Enumerable.Range(0, levels).Select(i => $"paragraph {i}"), document.Blocks.Select(b => b.Text));
    }

    [Fact]
    public void Html_cut_at_the_limit_goes_on_after_the_deep_part()
    {
        string html = "<body><section>" + Repeat("<div>", 1000) + "deep" + Repeat("</div>", 1000) +
                      "<p>after the deep part</p></section><p>after the section</p>";

        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(html), "cut.html");

        Assert.Equal(["deep", "after the deep part", "after the section"], document.Blocks.Select(b => b.Text));
    }

    [Fact]
    public void A_long_run_of_pre_tags_is_read_without_overflowing_the_stack()
    {
        // AngleSharp reads the tag after <pre> ahead, recursively: 100,000 of them overflowed the stack.
        string html = Repeat("<pre>", Deep) + "deep text";

        ExtractedDocument document = RunOnSmallStack(() => TestDocuments.Extract(TestDocuments.Utf8(html), "pre.html"));

        Assert.Equal("deep text", Assert.Single(document.Blocks).Text);
    }

    [Fact]
    public void Preformatted_text_keeps_its_lines()
    {
        string html = "<p>Before</p><pre>\nline one\n  line two\n</pre><listing>listed\n  lines</listing><p>After</p>";

        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(html), "pre.html");

        Assert.Equal(["Before", "line one\n  line two", "listed\n  lines", "After"], document.Blocks.Select(b => b.Text));
    }

    [Fact]
    public void Formatting_tags_still_join_words_and_still_hide_text()
    {
        string html = "<p>mul<b>ti</b>ple <i>words</i> <a href='x'>link</a><font color=red>ed</font></p>" +
                      "<p>shown <b hidden>HIDDEN_B</b><span><i style='display:none'>HIDDEN_I</i></span> too</p>";

        string text = TestDocuments.Extract(TestDocuments.Utf8(html), "format.html").AllText();

        Assert.Equal("multiple words linked\nshown too", text);
    }

    [Fact]
    public void Html_that_nests_deeper_than_the_filter_can_follow_is_refused()
    {
        // A column group stays open for a template inside it, which the filter does not follow; the tree
        // check behind the filter refuses the document before the nesting costs much.
        string html = "<body>" + Repeat("<table><colgroup><template>", 2000) + "text";

        var clock = Stopwatch.StartNew();
        ExtractionException error = TestDocuments.ExtractFails(TestDocuments.Utf8(html), DocumentKind.Html);

        Assert.Equal($"the HTML nests elements more than {HtmlNestingLimit + 64} deep", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private const int HtmlNestingLimit = 256;

    [Fact]
    public void Markdown_nested_brackets_and_emphasis_keep_their_text()
    {
        string markdown = Repeat("[", 5000) + "deep *words*" + Repeat("](x)", 5000) + "\n\n" +
                          Repeat("**", 50_000) + "strong" + Repeat("**", 50_000) + "\n\n" +
                          Repeat("_a ", 5000) + "emphasis" + Repeat(" a_", 5000) + "\n";

        ExtractedDocument document = RunOnSmallStack(() => TestDocuments.Extract(TestDocuments.Utf8(markdown), "deep.md"));

        Assert.Equal(3, document.Blocks.Count);
        // Past 64 open brackets, brackets and emphasis marks are plain characters.
        Assert.Contains("deep *words*", document.Blocks[0].Text, StringComparison.Ordinal);
        Assert.Equal("strong", document.Blocks[1].Text.Trim('*'));
        Assert.Contains("emphasis", document.Blocks[2].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_quotes_and_lists_nested_too_deep_are_refused()
    {
        foreach (string markdown in new[] { Repeat(">", 1000) + " deep", Repeat("- ", 1000) + "deep", "> " + Repeat("1. > ", 500) + "deep" })
        {
            ExtractionException error = TestDocuments.ExtractFails(TestDocuments.Utf8(markdown), DocumentKind.Markdown);

            Assert.Equal("the Markdown nests quotes or lists more than 100 deep", error.Message);
        }
    }

    [Fact]
    public void Markdown_nested_within_the_limit_keeps_its_text()
    {
        string markdown = Repeat(">", 50) + " quoted words\n\n" + Repeat("- ", 50) + "listed words\n\n* * *\n\nafter the rule\n";

        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(markdown), "nested.md");

        Assert.Equal(["quoted words", "listed words", "after the rule"], document.Blocks.Select(b => b.Text));
    }

    [Fact]
    public void Docx_nested_too_deep_is_refused_and_nested_within_the_limit_is_read()
    {
        byte[] deep = Docx(Repeat("<w:sdt><w:sdtContent>", 300) + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + Repeat("</w:sdtContent></w:sdt>", 300));
        byte[] shallow = Docx(Repeat("<w:sdt><w:sdtContent>", 100) + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + Repeat("</w:sdtContent></w:sdt>", 100));

        Assert.Equal("the DOCX is refused: its XML nests elements more than 256 deep", TestDocuments.ExtractFails(deep, DocumentKind.Docx).Message);
        Assert.Equal("deep", Assert.Single(TestDocuments.Extract(shallow, "shallow.docx").Blocks).Text);
    }

    [Fact]
    public void Pdf_with_a_page_tree_nested_50_000_deep_is_read_without_overflowing_the_stack()
    {
        // PdfPig walks the page tree recursively; on the caller's 1 MB stack this ended the process.
        ExtractedDocument document = RunOnSmallStack(() => TestDocuments.Extract(PdfPageTree(50_000), "tree.pdf"));

        Assert.Equal("deep words", Assert.Single(document.Blocks).Text);
    }

    [Fact]
    public void Pdf_with_a_chain_of_5_000_form_xobjects_is_read_without_overflowing_the_stack()
    {
        // PdfPig draws a form XObject that draws another recursively.
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /X 6 0 R >> >> >>",
            PdfStream("", "BT /F1 12 Tf 72 700 Td (page words) Tj ET /X Do"),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        const int chain = 5000;
        for (int i = 0; i < chain; i++)
            objects.Add(PdfStream($"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /X {7 + i} 0 R >> >>", i + 1 < chain ? "/X Do" : ""));

        ExtractedDocument document = RunOnSmallStack(() => TestDocuments.Extract(HandWrittenPdf(objects), "forms.pdf"));

        Assert.Equal("page words", Assert.Single(document.Blocks).Text);
    }

    /// <summary>A PDF whose one page sits under a chain of page tree nodes.</summary>
    private static byte[] PdfPageTree(int depth)
    {
        var objects = new List<string> { "<< /Type /Catalog /Pages 2 0 R >>" };
        for (int i = 0; i < depth; i++)
        {
            int id = 2 + i;
            objects.Add($"<< /Type /Pages /Kids [{id + 1} 0 R] /Count 1 {(i == 0 ? "" : $"/Parent {id - 1} 0 R")} >>");
        }
        int page = 2 + depth;
        objects.Add($"<< /Type /Page /Parent {page - 1} 0 R /MediaBox [0 0 612 792] /Contents {page + 1} 0 R /Resources << /Font << /F1 {page + 2} 0 R >> >> >>");
        objects.Add(PdfStream("", "BT /F1 12 Tf 72 700 Td (deep words) Tj ET"));
        objects.Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
        return HandWrittenPdf(objects);
    }

    private static string PdfStream(string entries, string data) => $"<< {entries} /Length {data.Length} >>\nstream\n{data}\nendstream";

    /// <summary>A PDF written object by object, with a correct cross-reference table.</summary>
    private static byte[] HandWrittenPdf(List<string> objects)
    {
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>(objects.Count);
        for (int i = 0; i < objects.Count; i++)
        {
            offsets.Add(pdf.Length); // ASCII only, so characters are bytes
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        int xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (int offset in offsets)
            pdf.Append($"{offset:D10} 00000 n \n");
        pdf.Append($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    private static byte[] Docx(string body) => HostileFiles.RepackMainPart(HostileFiles.Docx, _ => TestDocuments.Utf8(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>" +
        body + "</w:body></w:document>"));

    private static Func<int, byte[]> Make(string name, out DocumentKind kind)
    {
        kind = name.StartsWith("markdown", StringComparison.Ordinal) ? DocumentKind.Markdown
            : name.StartsWith("docx", StringComparison.Ordinal) ? DocumentKind.Docx
            : name.StartsWith("pdf", StringComparison.Ordinal) ? DocumentKind.Pdf
            : DocumentKind.Html;
        return name switch
        {
            "html divs" => n => TestDocuments.Utf8("<html><body>" + Repeat("<div>", n) + "deep" + Repeat("</div>", n) + "</body></html>"),
            "html divs left open" => n => TestDocuments.Utf8(Repeat("<div>x ", n)),
            "html pre" => n => TestDocuments.Utf8(Repeat("<pre>", n) + "deep"),
            "html formatting" => n => TestDocuments.Utf8(Repeat("<b><i>", n) + "deep" + Repeat("</b>x", n)),
            "html lists" => n => TestDocuments.Utf8(Repeat("<ul><li>x", n / 2)),
            "html tables" => n => TestDocuments.Utf8(Repeat("<table><tr><td>x", n / 3)),
            "markdown brackets" => n => TestDocuments.Utf8(Repeat("[", n) + "deep" + Repeat("](x)", n)),
            "markdown emphasis" => n => TestDocuments.Utf8(Repeat("*a ", n) + "deep" + Repeat(" a*", n)),
            "markdown quotes" => n => TestDocuments.Utf8("words\n\n" + Repeat(">", n) + " deep"),
            "markdown lists" => n => TestDocuments.Utf8("words\n\n" + Repeat("- ", n) + "deep"),
            "markdown html blocks" => n => TestDocuments.Utf8("words\n\n" + Repeat("<div>\n\n", n / 100) + "<div>" + Repeat("<div>", n) + "deep"),
            "docx content controls" => n => Docx(Repeat("<w:sdt><w:sdtContent>", n) + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + Repeat("</w:sdtContent></w:sdt>", n)),
            "pdf page tree" => PdfPageTree,
            "docx tables" => n => Docx(Repeat("<w:tbl><w:tr><w:tc>", n / 3) + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + Repeat("</w:tc></w:tr></w:tbl>", n / 3)),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();

    /// <summary>Extracts the text; a refusal is as good an answer as text for the timing tests.</summary>
    private static ExtractedDocument? Extract(byte[] content, DocumentKind kind)
    {
        try
        {
            return TestDocuments.Extractor.Extract(new MemoryStream(content), HostileFiles.TypeOf(kind));
        }
        catch (ExtractionException)
        {
            return null;
        }
    }

    /// <summary>Times below 100 ms are mostly noise (JIT, GC, a busy machine); ratios are taken to at least that.</summary>
    private static TimeSpan Floor(TimeSpan time) => time < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : time;

    /// <summary>The run's time, or null when it is still running after the limit (it is left to finish on its own).</summary>
    private static TimeSpan? Timed(Action run, TimeSpan limit)
    {
        CollectGarbage();
        var clock = Stopwatch.StartNew();
        var task = Task.Factory.StartNew(run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!task.Wait(limit))
            return null;
        return clock.Elapsed;
    }

    /// <summary>Leaves no garbage of earlier runs for the next one to pay for.</summary>
    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Runs on a thread with a 1 MB stack, as small as the main thread's on Windows.</summary>
    private static T RunOnSmallStack<T>(Func<T> run)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = run();
            }
            catch (Exception e)
            {
                error = e;
            }
        }, maxStackSize: 1024 * 1024);
        thread.Start();
        thread.Join();
        if (error is not null)
            throw error;
        return result;
    }
}
