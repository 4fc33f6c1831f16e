using System.Reflection;

namespace DocQa.Hosting.Backup;

/// <summary>manifest.json, the first entry of a backup: what made it and what it holds.</summary>
public sealed record BackupManifest
{
    /// <summary>The archive layout this build writes and reads.</summary>
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string DocQaVersion { get; init; }
    /// <summary>The database layout (the SQLite store's PRAGMA user_version).</summary>
    public required int SchemaVersion { get; init; }
    public required string StorageProvider { get; init; }
    /// <summary>The embedding model the server ran with: its stored vectors are of this model (see <see cref="DocumentsByEmbeddingModel"/>).</summary>
    public required string EmbeddingModel { get; init; }
    public required int EmbeddingDimensions { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required int Documents { get; init; }
    /// <summary>Ready documents by the embedding model of their vectors.</summary>
    public IReadOnlyDictionary<string, int> DocumentsByEmbeddingModel { get; init; } = new Dictionary<string, int>();
    /// <summary>Original files in the archive.</summary>
    public required int Files { get; init; }

    public static string ThisVersion =>
        typeof(BackupManifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
}
