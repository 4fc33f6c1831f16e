using System.ComponentModel.DataAnnotations;
using DocQa.Core.Documents;
using DocQa.Core.Sync;

namespace DocQa.Hosting;

/// <summary>Folders the server keeps its indexes in step with: the "Sources" configuration section.</summary>
public sealed class SourcesOptions : IValidatableObject
{
    public const string Section = "Sources";

    /// <summary>Each folder, the index that mirrors it, and which of its files count.</summary>
    public List<FolderSourceOptions> Folders { get; set; } = [];

    /// <summary>How long a folder must be quiet after a change before it is synced.</summary>
    [Range(0, 3_600_000)]
    public int DebounceMilliseconds { get; set; } = 2000;

    /// <summary>A full rescan of every folder this often, for changes whose events were lost.</summary>
    [Range(1, 86_400)]
    public int RescanSeconds { get; set; } = 300;

    /// <summary>The folders as syncs take them.</summary>
    public IReadOnlyList<SyncFolder> SyncFolders() =>
        Folders.Select(f => new SyncFolder(f.Index, f.Path!, f.Include, f.Exclude)).ToList();

    /// <summary>Relative folder paths are taken from the content root, as the data directory's are.</summary>
    public void ResolvePaths(string contentRoot)
    {
        foreach (var folder in Folders)
            if (!string.IsNullOrWhiteSpace(folder.Path)) folder.Path = Path.GetFullPath(Path.Combine(contentRoot, folder.Path));
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var seen = new List<(string Index, string Root)>();
        for (var i = 0; i < Folders.Count; i++)
        {
            var folder = Folders[i];
            var key = $"{Section}:Folders:{i}";
            if (!IndexNames.IsValid(folder.Index))
                yield return new ValidationResult($"{key}:Index ({folder.Index}) is not a valid index name: use 1-64 lower-case letters, digits, '_' or '-'.");
            if (string.IsNullOrWhiteSpace(folder.Path))
            {
                yield return new ValidationResult($"{key}:Path is required: the folder to keep the index in step with.");
                continue;
            }
            var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder.Path));
            if (!Directory.Exists(root))
                yield return new ValidationResult($"{key}:Path ({folder.Path}) is not an existing folder.");
            if ((folder.Include ?? []).Concat(folder.Exclude ?? []).Any(string.IsNullOrWhiteSpace))
                yield return new ValidationResult($"{key}: an Include or Exclude glob is blank.");
            // One folder inside another of the same index would make each sync delete the other's documents.
            if (seen.Find(s => s.Index == folder.Index && (Within(root, s.Root) || Within(s.Root, root))) is { Root: not null } other)
                yield return new ValidationResult($"{key}:Path ({folder.Path}) overlaps {other.Root}, synced to the same index '{folder.Index}'.");
            seen.Add((folder.Index, root));
        }
    }

    private static bool Within(string path, string root) =>
        path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}

/// <summary>One entry of Sources:Folders.</summary>
public sealed class FolderSourceOptions
{
    public string Index { get; set; } = IndexNames.Default;

    public string? Path { get; set; }

    /// <summary>Globs of the files to sync, relative to the folder ("**/*.pdf"); all files when empty.</summary>
    public List<string>? Include { get; set; }

    /// <summary>Globs of files to leave out ("drafts/**", "**/*.tmp").</summary>
    public List<string>? Exclude { get; set; }
}
