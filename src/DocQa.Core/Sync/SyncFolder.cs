using System.Security.Cryptography;
using DocQa.Core.Documents;
using Microsoft.Extensions.FileSystemGlobbing;

namespace DocQa.Core.Sync;

/// <summary>A file of a synced folder: where it is, the document id its path gives, and its size and time for the hash cache.</summary>
public sealed record FolderFile(string FullPath, string RelativePath, string Id, long Size, DateTime LastWriteUtc);

/// <summary>
/// A folder whose files an index mirrors: those the include globs match and the exclude globs do not (relative to the
/// folder, "/" between parts, case-insensitive). Hidden files and folders (".git", ".DS_Store") and Office lock files
/// ("~$report.docx") are never synced.
/// </summary>
public sealed record SyncFolder(string Index, string Path, IReadOnlyList<string>? Include = null, IReadOnlyList<string>? Exclude = null)
{
    /// <summary>Every file, when no include glob is given.</summary>
    public static readonly IReadOnlyList<string> AllFiles = ["**/*"];

    /// <summary>The folder's full path, without a trailing separator.</summary>
    public string Root { get; } = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(Path));

    /// <summary>Whether a document read from <paramref name="sourcePath"/> came from this folder (and so is this sync's to remove).</summary>
    public bool Holds(string? sourcePath) =>
        sourcePath is not null && sourcePath.StartsWith(Root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The files to sync, in order of their relative paths, each with its document id.</summary>
    public IReadOnlyList<FolderFile> Scan()
    {
        if (!Directory.Exists(Root)) throw new DirectoryNotFoundException($"the folder '{Root}' does not exist");
        var matcher = new Matcher(StringComparison.OrdinalIgnoreCase);
        matcher.AddIncludePatterns(Include is { Count: > 0 } include ? include : AllFiles);
        if (Exclude is { Count: > 0 } exclude) matcher.AddExcludePatterns(exclude);

        var files = matcher.GetResultsInFullPath(Root)
            .Select(fullPath => (FullPath: fullPath, Relative: System.IO.Path.GetRelativePath(Root, fullPath).Replace('\\', '/')))
            .Where(file => !file.Relative.Split('/').Any(IsHidden))
            .OrderBy(file => file.Relative, StringComparer.Ordinal)
            .ToList();
        return AssignIds(files);
    }

    private static bool IsHidden(string part) => part.StartsWith('.') || part.StartsWith("~$", StringComparison.Ordinal);

    /// <summary>
    /// Ids from the relative paths. Two paths can give one slug ("a b.md" and "a-b.md"): the first in path order keeps
    /// it and the others add a few characters of their path's hash, so each id stays the same from one sync to the next.
    /// </summary>
    private static List<FolderFile> AssignIds(List<(string FullPath, string Relative)> files)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<FolderFile>(files.Count);
        foreach (var (fullPath, relative) in files)
        {
            var id = DocumentIds.FromRelativePath(relative);
            if (!taken.Add(id))
            {
                var suffix = "-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(relative)))[..10];
                id = id[..Math.Min(id.Length, 128 - suffix.Length)].TrimEnd('-') + suffix;
                taken.Add(id);
            }
            var info = new FileInfo(fullPath);
            result.Add(new FolderFile(fullPath, relative, id, info.Length, info.LastWriteTimeUtc));
        }
        return result;
    }
}
