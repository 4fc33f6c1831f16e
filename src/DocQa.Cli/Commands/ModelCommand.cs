using System.CommandLine;
using System.Text.Json;
using DocQa.Cli.Backends;
using DocQa.Hosting.Models;
using Spectre.Console;

namespace DocQa.Cli.Commands;

/// <summary>docqa model pull &lt;name|url&gt; | list: fetches a local GGUF language model into the data directory.</summary>
public static class ModelCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("model") { Description = $"A catalogue name ({string.Join(", ", ModelCatalog.Models.Select(m => m.Name))}) or an http(s) URL of a .gguf file" };
        var sha256 = new Option<string?>("--sha256") { Description = "Expected SHA-256 of the file (overrides the catalogue's; without one a URL download is not verified)" };
        var pull = new Command("pull", "Download a GGUF model into <data directory>/models (resumes an interrupted download)") { source, sha256 };
        pull.SetAction((parse, ct) => RunAsync(parse, ct, folder => PullAsync(folder, parse.GetValue(source)!, parse.GetValue(sha256), parse.GetValue(CommonOptions.Json), ct)));

        var list = new Command("list", "Show the model catalogue and the GGUF files in <data directory>/models");
        list.SetAction((parse, ct) => RunAsync(parse, ct, folder => Task.FromResult(List(folder, parse.GetValue(CommonOptions.Json)))));

        return new Command("model", "Download and list local language models (GGUF)") { pull, list };
    }

    /// <summary>Runs with the models folder of the local data directory, resolved as LocalBackend resolves it.</summary>
    private static Task<int> RunAsync(ParseResult parse, CancellationToken ct, Func<string, Task<int>> action) =>
        CommonOptions.RunAsync(parse, ct, async backend =>
        {
            // Models are files on this machine, for the server that runs here: a --server URL plays no part.
            if (backend is LocalBackend local) return await action(ModelFolder.In(local.DataDirectory));
            await using var here = new LocalBackend(parse.GetValue(CommonOptions.DataDirectory));
            return await action(ModelFolder.In(here.DataDirectory));
        });

    private sealed record PullResult(string Path, long SizeBytes, string Sha256, bool AlreadyPresent, string Setting);

    private static async Task<int> PullAsync(string folder, string source, string? sha256, bool json, CancellationToken ct)
    {
        var (url, fileName, catalogue) = Resolve(source);
        string? expectedHash;
        try
        {
            expectedHash = ModelDownloader.NormalizeSha256(sha256) ?? catalogue?.Sha256;
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--sha256: {e.Message}");
        }
        // A size from the catalogue only holds for the catalogue's hash; a different --sha256 means a different file.
        var expectedSize = expectedHash == catalogue?.Sha256 ? catalogue?.SizeBytes : null;
        var target = Path.Combine(folder, fileName);

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("docqa");
        var downloader = new ModelDownloader(http);
        ModelDownloadResult result;
        if (!json) Console.Out.WriteLine($"{url} -> {target}");
        if (json || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            result = await downloader.DownloadAsync(url, target, expectedHash, expectedSize, null, ct);
        }
        else
        {
            result = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                    new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(Markup.Escape(fileName), autoStart: true, maxValue: expectedSize ?? 1);
                    task.IsIndeterminate = expectedSize is null;
                    var done = await downloader.DownloadAsync(url, target, expectedHash, expectedSize, new TaskProgress(task), ct);
                    task.MaxValue = done.SizeBytes;
                    task.Value = done.SizeBytes;
                    return done;
                });
        }

        var setting = $"Llm__ModelPath={result.Path}";
        if (json)
        {
            CommonOptions.PrintJson(new PullResult(result.Path, result.SizeBytes, result.Sha256, result.AlreadyPresent, setting));
            return 0;
        }
        var verified = expectedHash is null ? "not verified: no SHA-256 was given" : "SHA-256 verified";
        Console.Out.WriteLine(result.AlreadyPresent
            ? $"Already downloaded: {result.Path} ({FormatSize(result.SizeBytes)}, {verified})"
            : $"Downloaded {result.Path} ({FormatSize(result.SizeBytes)}, {verified})");
        Console.Out.WriteLine($"SHA-256: {result.Sha256}");
        Console.Out.WriteLine();
        Console.Out.WriteLine("To answer with this model, set the environment variable");
        Console.Out.WriteLine($"  {setting}");
        Console.Out.WriteLine("or add to appsettings.json");
        Console.Out.WriteLine($"  \"Llm\": {{ \"ModelPath\": {JsonSerializer.Serialize(result.Path, CliOutput.Json)} }}");
        return 0;
    }

    /// <summary>The URL, the file name to save under and the catalogue entry (if any) for a name or URL.</summary>
    private static (Uri Url, string FileName, CatalogModel? Catalogue) Resolve(string source)
    {
        if (ModelCatalog.Find(source) is { } model) return (model.Url, model.FileName, model);
        if (Uri.TryCreate(source, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp))
        {
            if (ModelCatalog.FindByUrl(url) is { } known) return (known.Url, known.FileName, known);
            // The last path segment names the file; anything that could climb out of the models folder is refused.
            var name = Uri.UnescapeDataString(url.Segments[^1]);
            if (!name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || name != Path.GetFileName(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                throw new CliException($"the URL must end in a .gguf file name: {source}");
            return (url, name, null);
        }
        throw new CliException($"unknown model '{source}'; known models: {string.Join(", ", ModelCatalog.Models.Select(m => m.Name))} (or give an https URL of a .gguf file)");
    }

    private sealed record ListResult(string Folder, IReadOnlyList<CatalogEntry> Catalogue, IReadOnlyList<LocalEntry> Files);
    private sealed record CatalogEntry(string Name, string Title, long? SizeBytes, string? Sha256, bool Recommended, bool Downloaded, string Url);
    private sealed record LocalEntry(string FileName, string Path, long SizeBytes, bool Incomplete, string? Catalogued);

    private static int List(string folder, bool json)
    {
        var files = ModelFolder.List(folder);
        bool Downloaded(CatalogModel m) => files.Any(f => f.Catalogued == m);
        if (json)
        {
            CommonOptions.PrintJson(new ListResult(folder,
                ModelCatalog.Models.Select(m => new CatalogEntry(m.Name, m.Title, m.SizeBytes, m.Sha256, m.Recommended, Downloaded(m), m.Url.ToString())).ToList(),
                files.Select(f => new LocalEntry(f.FileName, f.Path, f.SizeBytes, f.Incomplete, f.Catalogued?.Name)).ToList()));
            return 0;
        }

        var catalogue = new Table().Title("Catalogue").AddColumns("Name", "Model", "Size", "License", "");
        foreach (var m in ModelCatalog.Models)
        {
            var notes = new List<string>();
            if (m.Recommended) notes.Add("[green]recommended[/]");
            if (Downloaded(m)) notes.Add("downloaded");
            catalogue.AddRow(Markup.Escape(m.Name), Markup.Escape(m.Title), m.SizeBytes is long size ? FormatSize(size) : "?",
                Markup.Escape(m.License), string.Join(", ", notes));
        }
        CliOutput.Write(catalogue);

        if (files.Count == 0)
        {
            AnsiConsole.MarkupLineInterpolated($"No GGUF files in {folder} yet; download the recommended one with: docqa model pull {ModelCatalog.RecommendedName}");
            return 0;
        }
        var local = new Table().Title(Markup.Escape($"In {folder}")).AddColumns("File", "Size", "");
        foreach (var f in files)
        {
            var note = f.Incomplete ? "[yellow]unfinished download: pull again to resume[/]"
                : f.Catalogued is { } m ? Markup.Escape($"{m.Name} (size matches)")
                : "";
            local.AddRow(Markup.Escape(f.FileName), FormatSize(f.SizeBytes), note);
        }
        CliOutput.Write(local);
        return 0;
    }

    private static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        _ => $"{bytes:N0} bytes",
    };

    /// <summary>Moves the progress bar straight from the download loop; Spectre's task is safe to update from another thread.</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<(long Received, long? Total)>
    {
        public void Report((long Received, long? Total) value)
        {
            if (value.Total is long total && total != (long)task.MaxValue)
            {
                task.MaxValue = total;
                task.IsIndeterminate = false;
            }
            task.Value = value.Received;
        }
    }
}
