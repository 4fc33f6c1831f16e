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
    }
}
