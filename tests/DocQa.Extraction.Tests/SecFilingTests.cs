using DocQa.Core.Extraction;

namespace DocQa.Extraction.Tests;

/// <summary>Runs on a real filing from the shared evaluation set when it is present beside the repository.</summary>
public class SecFilingTests
{
    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DocQa.sln")))
                return dir.FullName;
        }
        return null;
    }

    [SkippableFact]
    public void Apple_10q_keeps_table_rows_on_one_line()
    {
        string? root = RepositoryRoot();
        string path = Path.Combine(root ?? ".", "..", "shared", "eval", "sec-10q", "docs", "2023 Q3 AAPL.pdf");
        Skip.IfNot(root is not null && File.Exists(path), "the evaluation filings (../shared/eval/sec-10q/docs beside the repository) are not available");

        byte[] content = File.ReadAllBytes(path);
        ExtractedDocument document = TestDocuments.Extract(content, Path.GetFileName(path));

        Assert.Equal(29, document.Pages);
        Assert.Contains(document.Blocks, block => block.Text.Split('\n').Any(line => line.Contains("Total net sales") && line.Contains("81,797")));

        // The statement of operations is in millions, though it names thousands for its share counts too.
        Assert.Contains(document.Blocks, b => b.Kind == BlockKind.Table && b.Page == 4 && b.Text.StartsWith("| (In millions) | Three Months Ended July 1, 2023 |"));

        // The segment table of Item 2 is a table: its rows under headers that name each column's period.
        DocumentBlock segments = Assert.Single(document.Blocks, b => b.Kind == BlockKind.Table && b.Text.Contains("| Greater China |"));
        string[] rows = segments.Text.Split('\n');
        Assert.Equal(
            "| (In millions) | Three Months Ended July 1, 2023 | Three Months Ended June 25, 2022 | Three Months Ended Change"
            + " | Nine Months Ended July 1, 2023 | Nine Months Ended June 25, 2022 | Nine Months Ended Change |",
            rows[0]);
        Assert.Contains("| Total net sales | $ 81,797 | $ 82,959 | (1)% | $ 293,787 | $ 304,182 | (3)% |", rows);
        Assert.Contains("| Japan | 4,821 | 5,446 | (11)% | 18,752 | 20,277 | (8)% |", rows);
    }
}
