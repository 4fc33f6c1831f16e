using System.Security.Cryptography;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;

namespace DocQa.Core.Sync;

/// <summary>Where a sync writes: the library in this process, or a server through its REST API.</summary>
public interface ISyncTarget
{
    Task<IReadOnlyList<DocumentRecord>> ListAsync(string index, CancellationToken cancellationToken);

    /// <summary>Uploads one file of the folder under its id, keeping its full path as the document's source path.</summary>
    Task<UploadResult> SubmitAsync(string index, string id, FolderFile file, CancellationToken cancellationToken);

    Task DeleteAsync(string index, string id, CancellationToken cancellationToken);
}

/// <summary>The documents a sync of a folder changed and left alone.</summary>
public sealed record SyncReport
{
    /// <summary>New files, queued to be read.</summary>
    public List<string> Added { get; } = [];

    /// <summary>Files whose content changed, queued to be read again.</summary>
    public List<string> Updated { get; } = [];

    /// <summary>Files moved or copied: ready at once with the chunks of the same bytes already in the index, nothing embedded.</summary>
    public List<string> Copied { get; } = [];

    /// <summary>Documents whose file is gone.</summary>
    public List<string> Removed { get; } = [];

    public int Unchanged { get; set; }

    /// <summary>Unchanged files whose documents an earlier sync queued and that are not processed yet (it was stopped).</summary>
    public List<string> Pending { get; } = [];

    /// <summary>Chunks the copies took from documents already in the index instead of being embedded.</summary>
    public int ChunksReused { get; set; }

    /// <summary>Files that could not be submitted, with the reason (not a supported type, empty, too large).</summary>
    public List<(string Path, string Reason)> Skipped { get; } = [];

    /// <summary>The ids of the documents waiting to be processed: added, updated, and pending from an earlier sync.</summary>
    public IReadOnlyList<string> Queued => [.. Added, .. Updated, .. Pending];

    public bool ChangedAnything => Added.Count + Updated.Count + Copied.Count + Removed.Count > 0;

    public override string ToString() =>
        $"{Added.Count} added, {Updated.Count} updated, {Copied.Count} moved or copied (chunks reused), {Removed.Count} removed, " +
        $"{Unchanged} unchanged" + (Skipped.Count > 0 ? $", {Skipped.Count} skipped" : "");
}

/// <summary>
/// Makes an index mirror a folder: files that are new or whose content (SHA-256) changed are uploaded under an id
/// from their path within the folder, and the documents of files that are gone are deleted. Uploads go first, so that a
/// moved file finds its old document still there and takes its chunks instead of being embedded again (see
/// <see cref="UploadOutcome.Copied"/>). Every step converges: a sync stopped halfway (killed, cancelled) and run again
/// finishes the job without duplicates, since ids come from paths and an upload of the same bytes changes nothing.
/// Documents of the index that did not come from this folder are left alone, and a file whose id a document of
/// another folder holds is skipped.
/// </summary>
public sealed class FolderSync(SyncFolder folder, ISyncTarget target)
{
    // Hashes of files seen before, by path, size and write time: a watched folder is rescanned without reading it all again.
    private readonly Dictionary<string, (long Size, DateTime Written, string Sha256)> _hashes = new(StringComparer.Ordinal);

    public SyncFolder Folder => folder;

    public async Task<SyncReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var files = folder.Scan();
        var documents = (await target.ListAsync(folder.Index, cancellationToken)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        var report = new SyncReport();

        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            documents.TryGetValue(file.Id, out var existing);
            // Another folder's file under the same id: taking it over would make the two syncs undo each other forever.
            if (existing?.SourcePath is { } elsewhere && elsewhere != file.FullPath && !folder.Holds(elsewhere))
            {
                report.Skipped.Add((file.RelativePath, $"its id '{file.Id}' is taken by {elsewhere}"));
                continue;
            }
            string sha256;
            try
            {
                sha256 = await HashAsync(file, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                report.Skipped.Add((file.RelativePath, e.Message)); // deleted or locked since the scan: the next sync sees it
                continue;
            }
            // A failed document with the same bytes stays failed until retried: reading it again would fail again.
            if (existing is not null && existing.Sha256 == sha256 && existing.SourcePath == file.FullPath)
            {
                report.Unchanged++;
                if (existing.Status is DocumentStatus.Queued or DocumentStatus.Processing) report.Pending.Add(existing.Id);
                continue;
            }

            try
            {
                var result = await target.SubmitAsync(folder.Index, file.Id, file, cancellationToken);
                var list = result.Outcome switch
                {
                    UploadOutcome.Copied => report.Copied,
                    UploadOutcome.Unchanged => null,
                    _ => existing is null ? report.Added : report.Updated,
                };
                if (list is null) report.Unchanged++;
                else list.Add(file.Id);
                if (result.Outcome == UploadOutcome.Copied) report.ChunksReused += result.Document.Chunks;
            }
            catch (RequestRejectedException e) when (e.Kind is RejectionKind.BadRequest or RejectionKind.UnsupportedMediaType or RejectionKind.PayloadTooLarge)
            {
                report.Skipped.Add((file.RelativePath, e.Message));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                report.Skipped.Add((file.RelativePath, e.Message));
            }
        }

        var present = files.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var document in documents.Values)
        {
            if (present.Contains(document.Id) || !folder.Holds(document.SourcePath)) continue;
            cancellationToken.ThrowIfCancellationRequested();
            await target.DeleteAsync(folder.Index, document.Id, cancellationToken);
            report.Removed.Add(document.Id);
        }
        return report;
    }

    private async Task<string> HashAsync(FolderFile file, CancellationToken cancellationToken)
    {
        if (_hashes.TryGetValue(file.FullPath, out var known) && known.Size == file.Size && known.Written == file.LastWriteUtc)
            return known.Sha256;
        await using var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, useAsync: true);
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        _hashes[file.FullPath] = (file.Size, file.LastWriteUtc, sha256);
        return sha256;
    }
}

/// <summary>A sync into the library of this process (the CLI on its data directory, the server's configured folders).</summary>
public sealed class LibrarySyncTarget(DocumentLibrary library) : ISyncTarget
{
    public Task<IReadOnlyList<DocumentRecord>> ListAsync(string index, CancellationToken cancellationToken) =>
        library.ListAsync(index, cancellationToken);

    public async Task<UploadResult> SubmitAsync(string index, string id, FolderFile file, CancellationToken cancellationToken)
    {
        await using var content = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, useAsync: true);
        return await library.SubmitAsync(new Upload(index, Path.GetFileName(file.FullPath), content, id) { SourcePath = file.FullPath }, cancellationToken);
    }

    public async Task DeleteAsync(string index, string id, CancellationToken cancellationToken)
    {
        try
        {
            await library.DeleteAsync(index, id, cancellationToken);
        }
        catch (RequestRejectedException e) when (e.Kind == RejectionKind.NotFound)
        {
            // already gone: what a sync wants
        }
    }
}
