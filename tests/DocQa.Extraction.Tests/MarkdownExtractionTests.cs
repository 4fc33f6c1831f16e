using DocQa.Core.Extraction;

namespace DocQa.Extraction.Tests;

public class MarkdownExtractionTests
{
    private const string Notes = """
        # Release notes

        Version **2.0** adds [the new importer](https://example.com/importer) and `fast mode`.
        It was a long
        cycle.

        ## Changes

        - Faster search
        - Smaller *index*
          1. nested item

        | Feature | Status |
        |---------|:------:|
        | Import  | done   |
        | Export  | **planned** |

        > Quoted remark.

        ```csharp
        var x = 1;
        ```

        Setext heading
        --------------

        ![diagram of the flow](flow.png)

        <div>Raw <b>html</b> block<script>alert('RAW_SCRIPT')</script></div>

        ---
        """;

    [Fact]
    public void Headings_paragraphs_lists_tables_code_and_quotes_become_blocks()
    {
        ExtractedDocument document = TestDocuments.Extract(TestDocuments.Utf8(Notes), "notes.md");

        Assert.Equal(1, document.Pages);
        Assert.Equal(
            [
                (BlockKind.Heading, "Release notes", 1),
                (BlockKind.Paragraph, "Version 2.0 adds the new importer and fast mode. It was a long cycle.", 0),
                (BlockKind.Heading, "Changes", 2),
                (BlockKind.Paragraph, "Faster search", 0),
                (BlockKind.Paragraph, "Smaller index", 0),
                (BlockKind.Paragraph, "nested item", 0),
                (BlockKind.Table, "| Feature | Status |\n| --- | --- |\n| Import | done |\n| Export | planned |", 0),
                (BlockKind.Paragraph, "Quoted remark.", 0),
                (BlockKind.Paragraph, "var x = 1;", 0),
                (BlockKind.Heading, "Setext heading", 2),
                (BlockKind.Paragraph, "diagram of the flow", 0),
                (BlockKind.Paragraph, "Raw html block", 0),
            ],
            document.Blocks.Select(b => (b.Kind, b.Text, b.HeadingLevel)));
    }

    [Fact]
    public void Markup_and_link_targets_are_removed()
    {
        string text = TestDocuments.Extract(TestDocuments.Utf8(Notes), "notes.md").AllText();

        Assert.DoesNotContain("**", text);
        Assert.DoesNotContain("https://", text);
        Assert.DoesNotContain("RAW_SCRIPT", text);
        Assert.DoesNotContain("```", text);
    }
}
