using System.Net;
using System.Net.Http.Json;
using DocQa.Cli;
using DocQa.Contracts;
using DocQa.Core.Documents;
using DocQa.Hosting.Backup;
using DocQa.Storage.Sqlite;
using Microsoft.AspNetCore.Hosting;

namespace DocQa.Server.Tests;

/// <summary>A backup taken while the server ingests restores, in a fresh directory, to the same documents and answers.</summary>
public sealed class BackupRestoreTests : IDisposable
{
    private const string Index = "vault";
    private const string Question = "When is the lamp room painted?";
    private readonly string _work = Directory.CreateTempSubdirectory("docqa-backup-").FullName;

    private static readonly (string Name, string Text)[] Documents =
    [
        ("lamps.txt", "The lamp room of the north lighthouse is painted white every spring, after the storms."),
        ("bells.txt", "The night watch rings the fog bell every two minutes while the fog lasts."),
        ("tides.txt", "High tide at Gull Harbor comes at six in the morning during the first week of May."),
        ("wicks.txt", "The assistant keeper trims the lamp wicks at dusk and again at midnight."),
        ("stores.txt", "Oil for the lamps is kept in the stone store behind the keeper's cottage."),
    ];

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_backup_taken_during_ingestion_restores_the_same_documents_and_answers()
    {
        using var original = new DocQaServerFactory();
        var client = original.CreateClient();
        foreach (var (name, text) in Documents)
            Assert.Equal(HttpStatusCode.Accepted, (await client.UploadAsync(Index, name, System.Text.Encoding.UTF8.GetBytes(text))).StatusCode);

        // Straight after the uploads: most of them are still queued or being processed.
        var backup = await client.PostAsync("/v1/admin/backup", content: null);
        Assert.Equal(HttpStatusCode.OK, backup.StatusCode);
        Assert.Equal("application/gzip", backup.Content.Headers.ContentType?.MediaType);
        var archive = Path.Combine(_work, "backup.tar.gz");
        await File.WriteAllBytesAsync(archive, await backup.Content.ReadAsByteArrayAsync());

        var manifest = await BackupArchive.ReadManifestAsync(archive);
        Assert.Equal(Documents.Length, manifest.Documents);
        Assert.Equal(Documents.Length, manifest.Files);
        Assert.Equal(SqliteDocumentStore.SchemaVersion, manifest.SchemaVersion);
        Assert.Equal("snowflake-arctic-embed-xs", manifest.EmbeddingModel);
        Assert.Equal(384, manifest.EmbeddingDimensions);

        var expected = await ReadyDocumentsAsync(client);
        var expectedAnswer = await AskAsync(client);

        // Restored with the command line into a new directory, then served from there: the queued documents finish.
        // The directory already holds the int8 model a command made at its start, which is no store: no --force.
        var restored = Path.Combine(_work, "restored");
        Directory.CreateDirectory(Path.Combine(restored, "models"));
        await File.WriteAllTextAsync(Path.Combine(restored, "models", "arctic-embed-xs.int8-v1.0123456789abcdef.onnx"), "a model");
        Assert.Equal(0, await DocQaCli.CreateRootCommand().Parse(["restore", archive, "--data-dir", restored]).InvokeAsync());
        using var copy = new DocQaServerFactory { Configure = builder => builder.UseSetting("Storage:DataDirectory", restored) };
        var copyClient = copy.CreateClient();
        Assert.Equal(expected, await ReadyDocumentsAsync(copyClient));
        var answer = await AskAsync(copyClient);
        Assert.Equal(expectedAnswer.Answer, answer.Answer);
        Assert.Equal(expectedAnswer.Citations.Select(c => (c.DocumentId, c.Page)), answer.Citations.Select(c => (c.DocumentId, c.Page)));
        var restoredFile = await copyClient.GetByteArrayAsync($"/v1/indexes/{Index}/documents/lamps-txt/file");
        Assert.Equal(Documents[0].Text, System.Text.Encoding.UTF8.GetString(restoredFile));
    }

    [Fact]
    public async Task Restore_refuses_a_directory_holding_a_store_and_a_file_that_is_no_backup_and_changes_nothing()
    {
        var occupied = Directory.CreateDirectory(Path.Combine(_work, "occupied")).FullName;
        var database = Path.Combine(occupied, "docqa.db");
        await File.WriteAllTextAsync(database, "the live store");
        var notABackup = Path.Combine(_work, "notes.tar.gz");
        await File.WriteAllTextAsync(notABackup, "just some notes");

        Assert.Equal(1, await DocQaCli.CreateRootCommand().Parse(["restore", notABackup, "--data-dir", occupied]).InvokeAsync());
        Assert.Equal("the live store", await File.ReadAllTextAsync(database));

        var fresh = Path.Combine(_work, "fresh");
        Assert.Equal(1, await DocQaCli.CreateRootCommand().Parse(["restore", notABackup, "--data-dir", fresh, "--force"]).InvokeAsync());
        Assert.False(Directory.Exists(fresh), "a failed restore leaves no directory behind");
        Assert.Empty(Directory.GetDirectories(_work, "fresh.*"));
    }

    [Fact]
    public async Task Backup_needs_a_server_admin_key_for_every_index()
    {
        using var secured = new SecuredServerFactory();
        var scoped = secured.ClientWith(secured.WriterA);
        Assert.Equal(HttpStatusCode.Forbidden, (await scoped.PostAsync("/v1/admin/backup", content: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await secured.ClientWith(null).PostAsync("/v1/admin/backup", content: null)).StatusCode);
        var admin = await secured.ClientWith(secured.Admin).PostAsync("/v1/admin/backup", content: null);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    private static async Task<List<string>> ReadyDocumentsAsync(HttpClient client)
    {
        foreach (var (name, _) in Documents)
            Assert.Equal(DocumentStatus.Ready, (await client.WaitForDocumentAsync(Index, name.Replace('.', '-'))).Status);
        var list = await client.GetFromJsonAsync<DocumentListDto>($"/v1/indexes/{Index}/documents", JsonDefaults.Options);
        return list!.Documents.Select(d => $"{d.Id} {d.FileName} {d.Sha256} {d.Status} {d.Chunks} {d.EmbeddingModel}").Order().ToList();
    }

    private static async Task<AskResponseDto> AskAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync($"/v1/indexes/{Index}/ask", new { question = Question });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.ReadAsync<AskResponseDto>();
        Assert.Contains("spring", answer.Answer, StringComparison.OrdinalIgnoreCase);
        return answer;
    }
}
