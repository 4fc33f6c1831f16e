namespace DocQa.Core.Storage;

/// <summary>A store that copies its database consistently while it serves (the embedded store; Qdrant has snapshots).</summary>
public interface IStoreBackup
{
    /// <summary>The version of the database layout this build writes, recorded in a backup's manifest.</summary>
    int SchemaVersion { get; }

    /// <summary>Writes a consistent copy of the whole database to <paramref name="destinationPath"/>, a new file.</summary>
    Task BackupDatabaseAsync(string destinationPath, CancellationToken cancellationToken = default);
}
