using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using DocQa.Core;
using DocQa.Core.Documents;
using DocQa.Storage.Sqlite;

namespace DocQa.Hosting.Backup;

/// <summary>Reads and restores the archives <see cref="StoreBackupService"/> writes.</summary>
public static class BackupArchive
{
    public static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerOptions.Web) { WriteIndented = true };

    /// <summary>The manifest of the archive at <paramref name="path"/> (its first entry).</summary>
    public static async Task<BackupManifest> ReadManifestAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = File.OpenRead(path);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        var first = await ReadEntryAsync(tar, cancellationToken);
        if (first?.Name != StoreBackupService.ManifestEntry || first.DataStream is null) throw NotABackup("it does not start with manifest.json");
        return await ReadManifestAsync(first.DataStream, cancellationToken);
    }

    /// <summary>
    /// Restores a backup into <paramref name="dataDirectory"/>, which must be missing or empty unless
    /// <paramref name="force"/> lets it replace the store there. The archive is unpacked and checked beside the
    /// target and moved into place only when whole, so a failed restore leaves the directory as it was.
    /// </summary>
    public static async Task<BackupManifest> RestoreAsync(Stream archive, string dataDirectory, bool force, CancellationToken cancellationToken = default)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        // The models made at first start (the int8 embedding model) hold nothing of a store: a directory with only
        // those is as good as empty.
        var models = new DataPaths(target).Models;
        var occupied = Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any(entry => entry != models);
        if (occupied && !force)
        {
            var live = File.Exists(Path.Combine(target, StoreBackupService.DatabaseEntry + "-wal"))
                ? " that looks in use (docqa.db-wal is present: stop the server first)" : "";
            throw new RequestRejectedException(RejectionKind.Conflict,
                $"{target} already holds a store{live}; restore into a new directory, or pass --force to replace it.");
        }

        var staging = $"{target}.restoring-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        try
        {
            var manifest = await UnpackAsync(archive, staging, cancellationToken);
            int documents;
            try
            {
                documents = SqliteBackupCheck.CountDocuments(Path.Combine(staging, StoreBackupService.DatabaseEntry));
            }
            catch (InvalidDataException damaged)
            {
                throw NotABackup(damaged.Message);
            }
            if (documents != manifest.Documents)
                throw NotABackup($"its database holds {documents} documents where its manifest says {manifest.Documents}");

            if (Directory.Exists(target))
            {
                var replaced = $"{target}.replaced-{Guid.NewGuid():N}";
                Directory.Move(target, replaced);
                Directory.Move(staging, target);
                Directory.Delete(replaced, recursive: true);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                Directory.Move(staging, target);
            }
            return manifest;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<BackupManifest> UnpackAsync(Stream archive, string staging, CancellationToken cancellationToken)
    {
        BackupManifest? manifest = null;
        try
        {
            await using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
            await using var tar = new TarReader(gzip);
            while (await ReadEntryAsync(tar, cancellationToken) is { } entry)
            {
                if (entry.Name == StoreBackupService.ManifestEntry && entry.DataStream is not null)
                {
                    manifest = await ReadManifestAsync(entry.DataStream, cancellationToken);
                    continue;
                }
                // Only the entries a backup has, under names checked like the store's own: nothing lands outside the directory.
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !IsStoreEntry(entry.Name))
                    throw NotABackup($"it holds an unexpected entry '{entry.Name}'");
                var path = Path.Combine(staging, entry.Name.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await entry.ExtractToFileAsync(path, overwrite: false, cancellationToken);
            }
        }
        catch (Exception broken) when (broken is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw NotABackup($"it cannot be read ({broken.Message})");
        }
        if (manifest is null) throw NotABackup("it has no manifest.json");
        if (!File.Exists(Path.Combine(staging, StoreBackupService.DatabaseEntry))) throw NotABackup("it has no docqa.db");
        return manifest;
    }

    private static bool IsStoreEntry(string name)
    {
        if (name == StoreBackupService.DatabaseEntry) return true;
        var parts = name.Split('/');
        return parts is [StoreBackupService.FilesFolder, var index, var id, var sha256]
            && IndexNames.IsValid(index) && DocumentIds.IsValid(id) && sha256.Length == 64 && sha256.All(char.IsAsciiHexDigitLower);
    }

    private static async Task<BackupManifest> ReadManifestAsync(Stream json, CancellationToken cancellationToken)
    {
        BackupManifest? manifest;
        try
        {
            manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(json, ManifestJson, cancellationToken);
        }
        catch (JsonException bad)
        {
            throw NotABackup($"its manifest cannot be read ({bad.Message})");
        }
        if (manifest is null || manifest.Format != BackupManifest.CurrentFormat)
            throw NotABackup($"its manifest is of format {manifest?.Format}, where this DocQa reads {BackupManifest.CurrentFormat}");
        return manifest;
    }

    private static async Task<TarEntry?> ReadEntryAsync(TarReader tar, CancellationToken cancellationToken)
    {
        try
        {
            return await tar.GetNextEntryAsync(copyData: false, cancellationToken);
        }
        catch (Exception broken) when (broken is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw NotABackup($"it cannot be read ({broken.Message})");
        }
    }

    private static RequestRejectedException NotABackup(string why) => RequestRejectedException.BadRequest($"This is not a DocQa backup, or a damaged one: {why}.");
}
