using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using DocQa.Core;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Core.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocQa.Hosting.Backup;

/// <summary>
/// Backs up the embedded store while it serves: a .tar.gz of manifest.json, docqa.db (SQLite's online backup) and
/// files/{index}/{id}/{sha256}, the originals the database refers to.
/// </summary>
public sealed class StoreBackupService(
    IServiceProvider services,
    DataPaths paths,
    IDocumentRecords records,
    IFileStore files,
    DocumentWriteLock writeLock,
    IOptions<StorageOptions> storage)
{
    public const string ManifestEntry = "manifest.json";
    public const string DatabaseEntry = "docqa.db";
    public const string FilesFolder = "files";

    /// <summary>
    /// Takes the snapshot: the database and the originals it refers to are copied aside while uploads, deletes and
    /// completed documents wait (searches and answers go on); packing them up happens after, without holding anyone.
    /// </summary>
    public async Task<StagedBackup> StageAsync(CancellationToken cancellationToken = default)
    {
        var store = services.GetService<IStoreBackup>() ?? throw new RequestRejectedException(RejectionKind.Conflict,
            $"The {storage.Value.Provider} store has no built-in backup: back up Qdrant with its snapshots (scripts/qdrant-snapshot.sh) and the data directory's files.");
        var staging = Directory.CreateDirectory(Path.Combine(paths.Spool, "backup-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            var documents = new List<DocumentRecord>();
            var copied = 0;
            using (await writeLock.AcquireAsync(cancellationToken))
            {
                await store.BackupDatabaseAsync(Path.Combine(staging, DatabaseEntry), cancellationToken);
                foreach (var index in await records.ListIndexesAsync(cancellationToken))
                    documents.AddRange(await records.ListDocumentsAsync(index.Name, cancellationToken));
                foreach (var document in documents)
                    if (await CopyOriginalAsync(document, staging, cancellationToken)) copied++;
            }

            var embedding = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GetService<EmbeddingGeneratorMetadata>();
            var manifest = new BackupManifest
            {
                DocQaVersion = BackupManifest.ThisVersion,
                SchemaVersion = store.SchemaVersion,
                StorageProvider = storage.Value.Provider,
                EmbeddingModel = embedding?.DefaultModelId ?? "unknown",
                EmbeddingDimensions = embedding?.DefaultModelDimensions ?? 0,
                CreatedAt = DateTimeOffset.UtcNow,
                Documents = documents.Count,
                DocumentsByEmbeddingModel = documents
                    .Where(d => d.Status == DocumentStatus.Ready && d.EmbeddingModel is not null)
                    .GroupBy(d => d.EmbeddingModel!)
                    .ToDictionary(g => g.Key, g => g.Count()),
                Files = copied,
            };
            return new StagedBackup(staging, manifest);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Stages and writes a whole backup to <paramref name="output"/>; returns its manifest.</summary>
    public async Task<BackupManifest> WriteAsync(Stream output, CancellationToken cancellationToken = default)
    {
        using var staged = await StageAsync(cancellationToken);
        await staged.WriteAsync(output, cancellationToken);
        return staged.Manifest;
    }

    private async Task<bool> CopyOriginalAsync(DocumentRecord document, string staging, CancellationToken cancellationToken)
    {
        await using var original = files.Open(document.Index, document.Id, document.Sha256);
        if (original is null) return false;
        var target = Path.Combine(staging, FilesFolder, document.Index, document.Id, document.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await using var copy = File.Create(target);
        await original.CopyToAsync(copy, cancellationToken);
        return true;
    }
}

/// <summary>A snapshot copied aside, ready to be packed; disposing it removes the copy.</summary>
public sealed class StagedBackup(string directory, BackupManifest manifest) : IDisposable
{
    public BackupManifest Manifest { get; } = manifest;

    /// <summary>Writes the archive (gzip-compressed tar, manifest first) to <paramref name="output"/>.</summary>
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken = default)
    {
        await using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        var manifest = new PaxTarEntry(TarEntryType.RegularFile, StoreBackupService.ManifestEntry)
        {
            DataStream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(Manifest, BackupArchive.ManifestJson)),
        };
        await tar.WriteEntryAsync(manifest, cancellationToken);
        await tar.WriteEntryAsync(Path.Combine(directory, StoreBackupService.DatabaseEntry), StoreBackupService.DatabaseEntry, cancellationToken);
        var originals = Path.Combine(directory, StoreBackupService.FilesFolder);
        if (!Directory.Exists(originals)) return;
        foreach (var file in Directory.EnumerateFiles(originals, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            await tar.WriteEntryAsync(file, Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/'), cancellationToken);
    }

    public void Dispose()
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}
