namespace DocQa.Hosting.Models;

/// <summary>A GGUF file found in the models folder.</summary>
/// <param name="Path">Full path.</param>
/// <param name="SizeBytes">Size on disk.</param>
/// <param name="Incomplete">True for a "*.gguf.partial" download that has not finished.</param>
/// <param name="Catalogued">The catalogue entry with exactly this size, if any (a size match, not a hash check).</param>
public sealed record LocalModelFile(string Path, long SizeBytes, bool Incomplete, CatalogModel? Catalogued)
{
    public string FileName => System.IO.Path.GetFileName(Path);
}

/// <summary>The "models" folder inside the data directory, where downloaded language models are kept.</summary>
public static class ModelFolder
{
    public const string Name = "models";

    public static string In(string dataDirectory) => Path.Combine(dataDirectory, Name);

    /// <summary>GGUF files and unfinished downloads in <paramref name="folder"/>, by name; empty when the folder does not exist.</summary>
    /// <remarks>Files are matched to the catalogue by exact size only: hashing gigabytes on every listing would take too long.</remarks>
    public static IReadOnlyList<LocalModelFile> List(string folder, IReadOnlyList<CatalogModel>? catalogue = null)
    {
        if (!Directory.Exists(folder)) return [];
        catalogue ??= ModelCatalog.Models;
        var files = new List<LocalModelFile>();
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var incomplete = file.Name.EndsWith(".gguf" + ModelDownloader.PartialSuffix, StringComparison.OrdinalIgnoreCase);
            if (!incomplete && !file.Name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) continue;
            var match = incomplete ? null : catalogue.FirstOrDefault(m => m.SizeBytes == file.Length);
            files.Add(new LocalModelFile(file.FullName, file.Length, incomplete, match));
        }
        return files;
    }
}
