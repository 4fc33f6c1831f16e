using System.CommandLine;
using DocQa.Cli.Backends;
using DocQa.Contracts;
using DocQa.Core;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Core.Sync;
using Spectre.Console;

namespace DocQa.Cli.Commands;

/// <summary>
/// docqa sync &lt;folder&gt;: makes an index mirror a folder — new files added, changed ones read again, the documents of
/// deleted files removed, moved files reusing their chunks — and prints what it did; with --watch, keeps doing it.
/// </summary>
public static class SyncCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("folder") { Description = "The folder to mirror (read recursively)" };
        var include = new Option<string[]>("--include") { Description = "Glob of files to sync, relative to the folder (repeatable; default **/*)" };
        var exclude = new Option<string[]>("--exclude") { Description = "Glob of files to leave out (repeatable)" };
        var watch = new Option<bool>("--watch") { Description = "Keep syncing as the folder changes, until stopped (Ctrl+C)" };
        var debounce = new Option<int>("--debounce-ms") { Description = "With --watch: how long the folder must be quiet after a change", DefaultValueFactory = _ => 2000 };
        var rescan = new Option<int>("--rescan-seconds") { Description = "With --watch: a full rescan this often, for missed changes", DefaultValueFactory = _ => 300 };
        var command = new Command("sync", "Make an index mirror a folder: add new files, re-read changed ones, remove deleted ones")
        {
            folder, include, exclude, watch, debounce, rescan,
        };
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            var path = parse.GetValue(folder)!;
            if (!Directory.Exists(path)) throw new CliException($"'{path}' is not a folder");
            if (parse.GetValue(debounce) < 0 || parse.GetValue(rescan) < 1)
                throw new CliException("--debounce-ms must be 0 or more and --rescan-seconds 1 or more");
            var index = parse.GetValue(CommonOptions.Index)!;
            DocumentLibrary.RequireIndexName(index);
            var sync = new FolderSync(new SyncFolder(index, path, parse.GetValue(include), parse.GetValue(exclude)), new BackendSyncTarget(backend));
            var json = parse.GetValue(CommonOptions.Json);
            if (!parse.GetValue(watch)) return await SyncOnceAsync(sync, backend, json, ct);

            Console.Error.WriteLine($"docqa: watching {sync.Folder.Root} for index '{index}' (Ctrl+C to stop)");
            var watcher = new FolderWatcher(sync.Folder.Root, TimeSpan.FromMilliseconds(parse.GetValue(debounce)), TimeSpan.FromSeconds(parse.GetValue(rescan)));
            try
            {
                await watcher.RunAsync(async token => await SyncOnceAsync(sync, backend, json, token, quietWhenUnchanged: true),
                    e => Console.Error.WriteLine($"docqa: sync failed, trying again at the next change: {e.Message}"), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: the way a watch ends
            }
            return 0;
        }));
        return command;
    }

    /// <summary>One sync, waiting until what it queued is processed; 1 when a document failed.</summary>
    private static async Task<int> SyncOnceAsync(FolderSync sync, IDocQaBackend backend, bool json, CancellationToken ct, bool quietWhenUnchanged = false)
    {
        var report = await sync.RunAsync(ct);
        var index = sync.Folder.Index;
        IReadOnlyList<DocumentDto> processed = report.Queued.Count == 0 ? []
            : await backend.WaitUntilProcessedAsync(index, report.Queued, _ => { }, ct);
        var failed = processed.Where(d => d.Status == DocumentStatus.Failed).ToList();
        // Every chunk of a processed document was embedded; copies embedded none.
        var summary = new SyncSummaryDto(sync.Folder.Root, index, report.Added, report.Updated, report.Copied, report.Removed, report.Unchanged,
            report.Skipped.Select(s => new SkippedFileDto(s.Path, s.Reason)).ToList(),
            failed.Select(d => new FailedDocumentDto(d.Id, d.Error)).ToList(),
            ChunksEmbedded: processed.Where(d => d.Status == DocumentStatus.Ready).Sum(d => d.Chunks),
            ChunksReused: report.ChunksReused);

        if (json)
        {
            CommonOptions.PrintJson(summary);
        }
        else if (!quietWhenUnchanged || report.ChangedAnything || report.Skipped.Count > 0 || processed.Count > 0)
        {
            var console = AnsiConsole.Console;
            foreach (var id in report.Added) console.MarkupLineInterpolated($"[green]added[/]    {id}");
            foreach (var id in report.Updated) console.MarkupLineInterpolated($"[yellow]updated[/]  {id}");
            foreach (var id in report.Copied) console.MarkupLineInterpolated($"[blue]moved[/]    {id} (chunks reused)");
            foreach (var id in report.Removed) console.MarkupLineInterpolated($"[grey]removed[/]  {id}");
            foreach (var (path, reason) in report.Skipped) console.MarkupLineInterpolated($"[grey]skipped  {path}: {reason}[/]");
            foreach (var d in failed) console.MarkupLineInterpolated($"[red]failed[/]   {d.Id}: {d.Error}");
            // Plain, not through the console renderer: one line however narrow the terminal.
            Console.Out.WriteLine($"Synced {summary.Folder} to index '{index}': {report}; {summary.ChunksEmbedded} chunks embedded, {summary.ChunksReused} reused"
                + (failed.Count > 0 ? $"; {failed.Count} failed" : ""));
        }
        return failed.Count == 0 ? 0 : 1;
    }

    /// <summary>The sync through whichever backend the command runs on: the local data directory or a server.</summary>
    private sealed class BackendSyncTarget(IDocQaBackend backend) : ISyncTarget
    {
        private static readonly Dictionary<string, string> NoTags = [];

        public async Task<IReadOnlyList<DocumentRecord>> ListAsync(string index, CancellationToken cancellationToken) =>
            (await backend.ListDocumentsAsync(index, cancellationToken)).Documents.Select(ToRecord).ToList();

        public async Task<UploadResult> SubmitAsync(string index, string id, FolderFile file, CancellationToken cancellationToken)
        {
            try
            {
                var (document, unchanged) = await backend.UploadAsync(index, file.FullPath, id, NoTags, cancellationToken, sourcePath: file.FullPath);
                // Only a copy is ready the moment it is uploaded.
                var outcome = unchanged ? UploadOutcome.Unchanged : document.Status == DocumentStatus.Ready ? UploadOutcome.Copied : UploadOutcome.Accepted;
                return new UploadResult(ToRecord(document), outcome);
            }
            catch (FileRejectedException e)
            {
                throw RequestRejectedException.BadRequest(e.Message);
            }
        }

        public Task DeleteAsync(string index, string id, CancellationToken cancellationToken) =>
            backend.DeleteDocumentAsync(index, id, cancellationToken);

        private static DocumentRecord ToRecord(DocumentDto d) => new()
        {
            Index = d.Index,
            Id = d.Id,
            FileName = d.FileName,
            ContentType = d.ContentType,
            SizeBytes = d.SizeBytes,
            Sha256 = d.Sha256,
            SourcePath = d.SourcePath,
            Tags = d.Tags,
            Status = d.Status,
            Error = d.Error,
            Pages = d.Pages,
            PagesWithoutText = d.PagesWithoutText,
            Chunks = d.Chunks,
            EmbeddingModel = d.EmbeddingModel,
            CreatedAt = d.CreatedAt,
            UpdatedAt = d.UpdatedAt,
        };
    }
}

/// <summary>What <c>docqa sync --json</c> prints: the documents changed, and the chunks embedded and reused.</summary>
public sealed record SyncSummaryDto(
    string Folder,
    string Index,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Updated,
    IReadOnlyList<string> Moved,
    IReadOnlyList<string> Removed,
    int Unchanged,
    IReadOnlyList<SkippedFileDto> Skipped,
    IReadOnlyList<FailedDocumentDto> Failed,
    int ChunksEmbedded,
    int ChunksReused);

public sealed record SkippedFileDto(string Path, string Reason);

public sealed record FailedDocumentDto(string Id, string? Error);
