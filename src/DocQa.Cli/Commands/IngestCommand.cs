using System.CommandLine;
using DocQa.Cli.Backends;
using DocQa.Contracts;
using DocQa.Core;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using Spectre.Console;

namespace DocQa.Cli.Commands;

/// <summary>docqa ingest &lt;files or folders&gt;: uploads documents and waits until each is ready or failed.</summary>
public static class IngestCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (folders are read recursively)", Arity = ArgumentArity.OneOrMore };
        var tags = new Option<string[]>("--tag") { Description = "Tag key:value for every document (repeatable)", AllowMultipleArgumentsPerToken = false };
        var id = new Option<string?>("--id") { Description = "Document id (one file only; default: a slug of the file name)" };
        var command = new Command("ingest", "Add documents (PDF, DOCX, HTML, Markdown, text) to an index") { paths, tags, id };
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            var index = parse.GetValue(CommonOptions.Index)!;
            var files = DocumentPaths.Expand(parse.GetValue(paths)!, out var explicitFiles);
            var documentId = parse.GetValue(id);
            if (documentId is not null && files.Count != 1)
                throw new CliException("--id can only be given with a single file");
            var tagMap = DocumentTags.Parse(parse.GetValue(tags) ?? []);
            return await IngestAsync(backend, index, files, explicitFiles, documentId, tagMap, parse.GetValue(CommonOptions.Json), ct);
        }));
        return command;
    }

    private static async Task<int> IngestAsync(IDocQaBackend backend, string index, IReadOnlyList<string> files, ISet<string> explicitFiles,
        string? id, IReadOnlyDictionary<string, string> tags, bool json, CancellationToken ct)
    {
        if (files.Count == 0) throw new CliException("no files found to ingest");
        var console = CliOutput.Messages;
        var accepted = new List<string>();
        var failures = 0;
        var unchanged = new List<DocumentDto>();

        foreach (var file in files)
        {
            try
            {
                var (document, same) = await backend.UploadAsync(index, file, id, tags, ct, sourcePath: Path.GetFullPath(file));
                if (same) unchanged.Add(document);
                else if (!accepted.Contains(document.Id)) accepted.Add(document.Id);
            }
            catch (RequestRejectedException e) when (!explicitFiles.Contains(file) && e.Kind == RejectionKind.UnsupportedMediaType)
            {
                console.MarkupLineInterpolated($"[grey]skipped {file}: not a supported document type[/]");
            }
            catch (Exception e) when (e is RequestRejectedException or CliException and not AccessDeniedException)
            {
                failures++;
                console.MarkupLineInterpolated($"[red]{file}: {e.Message}[/]");
            }
        }

        IReadOnlyList<DocumentDto> processed = [];
        if (accepted.Count > 0)
        {
            processed = await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"Ingesting {accepted.Count} document(s) via {backend.Description}", maxValue: accepted.Count);
                    return await backend.WaitUntilProcessedAsync(index, accepted, _ => task.Increment(1), ct);
                });
        }

        var all = processed.Concat(unchanged).ToList();
        failures += all.Count(d => d.Status == DocumentStatus.Failed);
        if (json)
        {
            CommonOptions.PrintJson(new DocumentListDto(all));
        }
        else
        {
            var table = new Table().AddColumns("Document", "Status", "Pages", "Chunks", "Note");
            foreach (var d in processed)
                table.AddRow(Markup.Escape(d.FileName), StatusMarkup(d.Status), d.Pages.ToString(), d.Chunks.ToString(), Markup.Escape(d.Error ?? ""));
            foreach (var d in unchanged)
                table.AddRow(Markup.Escape(d.FileName), StatusMarkup(d.Status), d.Pages.ToString(), d.Chunks.ToString(), "unchanged");
            if (all.Count > 0) CliOutput.Write(table);
        }
        return failures == 0 ? 0 : 1;
    }

    public static string StatusMarkup(DocumentStatus status) => status switch
    {
        DocumentStatus.Ready => "[green]ready[/]",
        DocumentStatus.Failed => "[red]failed[/]",
        _ => $"[yellow]{status.ToString().ToLowerInvariant()}[/]",
    };
}
