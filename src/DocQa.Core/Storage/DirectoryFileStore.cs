using DocQa.Core.Documents;

namespace DocQa.Core.Storage;

/// <summary>Original files under a directory: {root}/{index}/{id}/{sha256}. Index and id are validated names, never client paths.</summary>
public sealed class DirectoryFileStore(string root) : IFileStore
{
    public string Root { get; } = Path.GetFullPath(root);

    public async Task SaveAsync(string index, string id, string sha256, Stream content, CancellationToken cancellationToken = default)
    {
        var target = PathOf(index, id, sha256);
        if (File.Exists(target)) return; // same content already kept
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Write beside the target and rename, so a crash never leaves a half-written file under the final name.
        var partial = target + ".partial";
        await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await content.CopyToAsync(output, cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
        File.Move(partial, target, overwrite: true);
    }

    public Stream? Open(string index, string id, string sha256)
    {
        var path = PathOf(index, id, sha256);
        return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true) : null;
    }

    public void Delete(string index, string id, string? keepSha256 = null)
    {
        var folder = FolderOf(index, id);
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            if (keepSha256 is not null && Path.GetFileName(file) == keepSha256) continue;
            File.Delete(file);
        }
        if (keepSha256 is null) Directory.Delete(folder, recursive: true);
    }

    public void DeleteIndex(string index)
    {
        var folder = Path.Combine(Root, Checked(index, IndexNames.IsValid));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private string FolderOf(string index, string id) =>
        Path.Combine(Root, Checked(index, IndexNames.IsValid), Checked(id, DocumentIds.IsValid));

    private string PathOf(string index, string id, string sha256) =>
        Path.Combine(FolderOf(index, id), Checked(sha256, s => s.Length == 64 && s.All(char.IsAsciiHexDigitLower)));

    private static string Checked(string name, Func<string, bool> isValid) =>
        isValid(name) ? name : throw new ArgumentException($"'{name}' is not a valid name for a stored file.", nameof(name));
}
