using System.ComponentModel.DataAnnotations;

namespace DocQa.Hosting;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// "Sqlite": the embedded default, one SQLite file plus in-process vector search, owned by one process.
    /// "Qdrant": a Qdrant server (Storage:Qdrant) shared by any number of server replicas.
    /// </summary>
    [Required]
    [AllowedValues("Sqlite", "sqlite", "Qdrant", "qdrant")]
    public string Provider { get; set; } = "Sqlite";

    public bool IsQdrant => string.Equals(Provider, "Qdrant", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Where runtime state lives (database, original files); relative paths are taken from the content root. With
    /// several replicas on Qdrant, a volume they all mount: uploads are spooled and kept here until processed.
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = "data/store";
}

/// <summary>The data directory's layout, resolved to absolute paths once.</summary>
public sealed record DataPaths(string Root)
{
    public string Database => Path.Combine(Root, "docqa.db");
    public string Files => Path.Combine(Root, "files");
    public string Spool => Path.Combine(Root, "tmp");

    /// <summary>Models made from the published ones at first start (the int8 embedding model), kept between starts.</summary>
    public string Models => Path.Combine(Root, "models");

    public static DataPaths Resolve(string dataDirectory, string contentRoot) =>
        new(Path.GetFullPath(Path.IsPathRooted(dataDirectory) ? dataDirectory : Path.Combine(contentRoot, dataDirectory)));
}
