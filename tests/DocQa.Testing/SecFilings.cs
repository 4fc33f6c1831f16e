namespace DocQa.Testing;

/// <summary>The SEC 10-Q filings of the evaluation set, in ../shared/eval beside the repository when it is there.</summary>
public static class SecFilings
{
    public const string Missing = "../shared/eval/sec-10q is not beside the repository";

    /// <summary>The folder of filings ("2023 Q3 AAPL.pdf" …), or null when it is not there (the tests using it skip).</summary>
    public static string? Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "DocQa.sln")))
            {
                var folder = Path.Combine(dir.FullName, "..", "shared", "eval", "sec-10q", "docs");
                return Directory.Exists(folder) ? folder : null;
            }
        return null;
    }

    /// <summary>One filing's path, or null when the folder or the file is not there.</summary>
    public static string? Filing(string name) =>
        Folder() is { } folder && System.IO.File.Exists(Path.Combine(folder, name)) ? Path.Combine(folder, name) : null;
}
