using System.CommandLine;
using DocQa.Cli.Backends;
using DocQa.Hosting;
using DocQa.Hosting.Backup;

namespace DocQa.Cli.Commands;

/// <summary>docqa backup &lt;file&gt; | restore &lt;file&gt;: the embedded store as one .tar.gz, taken while the server serves.</summary>
public static class BackupCommands
{
    public static Command CreateBackup()
    {
        var file = new Argument<string>("file") { Description = "The archive to write (.tar.gz)" };
        var force = new Option<bool>("--force") { Description = "Replace the file if it exists" };
        var backup = new Command("backup",
            "Back up the store: a consistent copy of the database, the original files and a manifest (with --server, taken by the running server)")
        {
            file, force,
        };
        backup.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            var path = Path.GetFullPath(parse.GetValue(file)!);
            if (File.Exists(path) && !parse.GetValue(force)) throw new CliException($"{path} exists; pass --force to replace it");
            // Written aside and moved into place whole: an interrupted backup never looks like a finished one.
            var partial = path + ".partial";
            try
            {
                await using (var output = File.Create(partial)) await backend.BackupAsync(output, ct);
                var manifest = await BackupArchive.ReadManifestAsync(partial, ct);
                File.Move(partial, path, overwrite: true);
                if (parse.GetValue(CommonOptions.Json))
                    CommonOptions.PrintJson(new { file = path, bytes = new FileInfo(path).Length, manifest });
                else
                    Console.Out.WriteLine($"Backed up {manifest.Documents} documents and {manifest.Files} files from {backend.Description} to {path} " +
                        $"({new FileInfo(path).Length / 1024.0:0.#} KiB; DocQa {manifest.DocQaVersion}, schema {manifest.SchemaVersion}, {manifest.EmbeddingModel}).");
                return 0;
            }
            finally
            {
                File.Delete(partial);
            }
        }));
        return backup;
    }

    public static Command CreateRestore()
    {
        var file = new Argument<string>("file") { Description = "An archive made by docqa backup" };
        var force = new Option<bool>("--force") { Description = "Replace the store in the data directory (stop the server first)" };
        var restore = new Command("restore", "Restore a backup into the data directory (--data-dir), which must be new or empty unless --force")
        {
            file, force,
        };
        restore.SetAction((parse, ct) => CommonOptions.RunAsync(ct, async () =>
        {
            // The store is not opened here: restoring into it while anything holds it open is what this refuses.
            if (!string.IsNullOrWhiteSpace(parse.GetValue(CommonOptions.Server)))
                throw new CliException("restore works on a data directory, not through a server: run it where the data lives, with --data-dir, while no server uses it");
            var configuration = LocalServices.Configuration(parse.GetValue(CommonOptions.DataDirectory));
            var dataDirectory = DataPaths.Resolve(configuration[$"{StorageOptions.Section}:DataDirectory"] ?? new StorageOptions().DataDirectory,
                Directory.GetCurrentDirectory()).Root;
            var path = Path.GetFullPath(parse.GetValue(file)!);
            if (!File.Exists(path)) throw new CliException($"{path} does not exist");
            await using var archive = File.OpenRead(path);
            var manifest = await BackupArchive.RestoreAsync(archive, dataDirectory, parse.GetValue(force), ct);
            if (parse.GetValue(CommonOptions.Json))
                CommonOptions.PrintJson(new { dataDirectory, manifest });
            else
                Console.Out.WriteLine($"Restored {manifest.Documents} documents and {manifest.Files} files into {dataDirectory} " +
                    $"(backed up {manifest.CreatedAt:yyyy-MM-dd HH:mm} UTC by DocQa {manifest.DocQaVersion}, {manifest.EmbeddingModel}).");
            return 0;
        }));
        return restore;
    }
}
