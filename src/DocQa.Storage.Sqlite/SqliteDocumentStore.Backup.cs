using DocQa.Core.Storage;
using Microsoft.Data.Sqlite;

namespace DocQa.Storage.Sqlite;

public sealed partial class SqliteDocumentStore : IStoreBackup
{
    int IStoreBackup.SchemaVersion => Schema.Version;

    /// <summary>
    /// SQLite's online backup API: copies the database page by page as of one moment while searches and writes go on,
    /// unlike copying the file, which can catch a write half done or miss what is still in the write-ahead log.
    /// </summary>
    public Task BackupDatabaseAsync(string destinationPath, CancellationToken cancellationToken = default) => Run(() =>
    {
        using var source = Open();
        using var destination = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = destinationPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        source.BackupDatabase(destination);
        return true;
    }, cancellationToken);
}

/// <summary>Checks a database file restored from a backup before it replaces anything.</summary>
public static class SqliteBackupCheck
{
    /// <summary>The number of documents in the database at <paramref name="path"/>; throws <see cref="InvalidDataException"/> when it is damaged or of a newer layout.</summary>
    public static int CountDocuments(string path)
    {
        // Read-write, on the unpacked copy: a read-only reader of a WAL database leaves its -wal and -shm files
        // behind, and the restored store would then look in use; the last read-write connection removes them.
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check;";
            if (command.ExecuteScalar() as string != "ok") throw new InvalidDataException("its database fails SQLite's integrity check");
            command.CommandText = "PRAGMA user_version;";
            var version = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (version > Schema.Version)
                throw new InvalidDataException($"its database is of schema {version}, newer than this DocQa's ({Schema.Version}): restore it with a newer DocQa");
            command.CommandText = "SELECT count(*) FROM documents;";
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException damaged)
        {
            throw new InvalidDataException($"its database cannot be read ({damaged.Message})", damaged);
        }
    }
}
