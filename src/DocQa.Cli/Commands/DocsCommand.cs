using System.CommandLine;
using DocQa.Contracts;
using Spectre.Console;

namespace DocQa.Cli.Commands;

/// <summary>docqa docs list | show &lt;id&gt; | delete &lt;id&gt;.</summary>
public static class DocsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the documents of an index");
        list.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            var documents = await backend.ListDocumentsAsync(parse.GetValue(CommonOptions.Index)!, ct);
            if (parse.GetValue(CommonOptions.Json))
            {
                CommonOptions.PrintJson(documents);
                return 0;
            }
            var table = new Table().AddColumns("Id", "File", "Status", "Pages", "Chunks", "Updated");
            foreach (var d in documents.Documents)
                table.AddRow(Markup.Escape(d.Id), Markup.Escape(d.FileName), IngestCommand.StatusMarkup(d.Status),
                    d.Pages.ToString(), d.Chunks.ToString(), d.UpdatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm"));
            CliOutput.Write(table);
            return 0;
        }));

        var showId = new Argument<string>("id") { Description = "Document id" };
        var show = new Command("show", "Show a document's record") { showId };
        show.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            var d = await backend.GetDocumentAsync(parse.GetValue(CommonOptions.Index)!, parse.GetValue(showId)!, ct);
            if (parse.GetValue(CommonOptions.Json))
            {
                CommonOptions.PrintJson(d);
                return 0;
            }
            var grid = new Grid().AddColumn().AddColumn();
            void Row(string name, string value) => grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
            Row("id", d.Id);
            Row("index", d.Index);
            Row("file", d.FileName);
            if (d.SourcePath is not null) Row("source", d.SourcePath);
            Row("type", d.ContentType);
            Row("size", $"{d.SizeBytes:N0} bytes");
            Row("sha256", d.Sha256);
            Row("status", d.Status.ToString().ToLowerInvariant());
            if (d.Error is not null) Row("error", d.Error);
            Row("pages", PagesText(d));
            if (d.PagesOcr.Count > 0) Row("read by OCR", string.Join(", ", d.PagesOcr));
            foreach (var warning in d.Warnings) Row("warning", warning);
            Row("chunks", d.Chunks.ToString());
            Row("tags", string.Join(", ", d.Tags.Select(t => $"{t.Key}:{t.Value}")));
            Row("created", d.CreatedAt.ToString("u"));
            Row("updated", d.UpdatedAt.ToString("u"));
            AnsiConsole.Write(grid);
            return 0;
        }));

        var deleteId = new Argument<string>("id") { Description = "Document id" };
        var delete = new Command("delete", "Delete a document and its passages") { deleteId };
        delete.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            await backend.DeleteDocumentAsync(parse.GetValue(CommonOptions.Index)!, parse.GetValue(deleteId)!, ct);
            AnsiConsole.MarkupLineInterpolated($"Deleted {parse.GetValue(deleteId)}.");
            return 0;
        }));

        return new Command("docs", "Manage documents") { list, show, delete };
    }

    /// <summary>"12", or "12 (3 by OCR, 1 without text)".</summary>
    private static string PagesText(DocumentDto d)
    {
        int unread = d.PagesWithoutText - d.PagesOcr.Count;
        var notes = new List<string>();
        if (d.PagesOcr.Count > 0) notes.Add($"{d.PagesOcr.Count} by OCR");
        if (unread > 0) notes.Add($"{unread} without text");
        return notes.Count > 0 ? $"{d.Pages} ({string.Join(", ", notes)})" : d.Pages.ToString();
    }
}

/// <summary>docqa indexes: lists indexes with their counts.</summary>
public static class IndexesCommand
{
    public static Command Create()
    {
        var command = new Command("indexes", "List the indexes");
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            var indexes = await backend.ListIndexesAsync(ct);
            if (parse.GetValue(CommonOptions.Json))
            {
                CommonOptions.PrintJson(indexes);
                return 0;
            }
            // More than one model while a change of embedding model is being re-embedded: the counts show its progress.
            var table = new Table().AddColumns("Index", "Documents", "Chunks", "Embedding models");
            foreach (var i in indexes.Indexes)
                table.AddRow(Markup.Escape(i.Name), i.Documents.ToString(), i.Chunks.ToString(),
                    Markup.Escape(string.Join(", ", i.EmbeddingModels.OrderByDescending(m => m.Value).Select(m => $"{m.Key}: {m.Value}"))));
            CliOutput.Write(table);
            return 0;
        }));
        return command;
    }
}
