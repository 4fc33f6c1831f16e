namespace DocQa.Core.Ingestion;

/// <summary>The files a list of paths names, as the command line and the benchmarks take them.</summary>
public static class DocumentPaths
{
    /// <summary>Files as given, and the files under folders, in a stable order; hidden files in folders are skipped.</summary>
    /// <exception cref="FileNotFoundException">A path is neither a file nor a folder.</exception>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths, out ISet<string> explicitFiles)
    {
        var files = new List<string>();
        explicitFiles = new HashSet<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
                explicitFiles.Add(path);
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                throw new FileNotFoundException($"no such file or folder: {path}", path);
            }
        }
        return files;
    }
}
