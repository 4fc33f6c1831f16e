using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using DocQa.Contracts;
using DocQa.Core.Documents;
using Microsoft.Data.Sqlite;

namespace DocQa.Cli.Tests;

/// <summary>
/// The real server, killed without warning while it ingests, then started again on the same data directory: no
/// accepted upload is lost or left half ingested, and what was ready before is untouched.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private const string Index = "crash";
    private readonly string _data = Directory.CreateTempSubdirectory("docqa-crash-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Killing_the_server_mid_ingestion_loses_nothing_and_leaves_nothing_half_done()
    {
        var (server, url) = await ChildProcess.StartServerAsync(_data);
        IReadOnlyList<DocumentDto> before;
        var accepted = new List<string>();
        try
        {
            using var http = new HttpClient { BaseAddress = url };
            foreach (var id in new[] { "before-1", "before-2" })
                await UploadAsync(http, id, Text(id, paragraphs: 3));
            before = [await WaitUntilSettledAsync(http, "before-1"), await WaitUntilSettledAsync(http, "before-2")];
            Assert.All(before, d => Assert.Equal(DocumentStatus.Ready, d.Status));

            // Several documents of a few thousand words each: long enough that the kill lands mid-ingestion.
            for (var i = 1; i <= 6; i++)
            {
                var id = $"doc-{i}";
                await UploadAsync(http, id, Text(id, paragraphs: 25));
                accepted.Add(id);
            }
            await WaitForAsync(async () => (await ListAsync(http)).Any(d => d.Status == DocumentStatus.Processing), "a document processing");
        }
        finally
        {
            // On Linux Process.Kill sends SIGKILL: no shutdown code runs, as in a crash or an OOM kill.
            server.Kill(entireProcessTree: false);
            await server.WaitForExitAsync();
            server.Dispose();
        }

        // Started again, allowing one attempt per document: those the kill interrupted fail with the reason, the rest finish.
        (server, url) = await ChildProcess.StartServerAsync(_data, ["--Ingestion:MaxAttempts=1"]);
        try
        {
            using var http = new HttpClient { BaseAddress = url };
            var settled = new List<DocumentDto>();
            foreach (var id in accepted)
                settled.Add(await WaitUntilSettledAsync(http, id));
            var interrupted = settled.Where(d => d.Status == DocumentStatus.Failed).ToList();
            Assert.All(settled, d => Assert.True(d.Status == DocumentStatus.Ready || d is { Status: DocumentStatus.Failed, Error.Length: > 0 }, $"{d.Id}: {d.Status}"));
            Assert.NotEmpty(interrupted);
            Assert.All(interrupted, d => Assert.Equal("processing was interrupted 1 time; the document may crash the extractor", d.Error));

            // Failed documents are retried through the API, from the file already stored.
            foreach (var failed in interrupted)
            {
                using var retry = await http.PostAsync($"v1/indexes/{Index}/documents/{failed.Id}/retry", null);
                Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
            }
            foreach (var failed in interrupted)
                Assert.Equal(DocumentStatus.Ready, (await WaitUntilSettledAsync(http, failed.Id)).Status);

            // A retry of a document that did not fail is refused.
            using (var again = await http.PostAsync($"v1/indexes/{Index}/documents/before-1/retry", null))
                Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

            var after = await ListAsync(http);
            Assert.Equal(before.Count + accepted.Count, after.Count);
            Assert.All(after, d => Assert.Equal(DocumentStatus.Ready, d.Status));
            foreach (var earlier in before)
            {
                var now = Assert.Single(after, d => d.Id == earlier.Id);
                Assert.Equal((earlier.Sha256, earlier.Chunks, earlier.UpdatedAt), (now.Sha256, now.Chunks, now.UpdatedAt));
            }
            AssertOneSetOfChunksEach(after);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    [Fact]
    public async Task A_document_whose_extraction_hangs_fails_alone_and_the_server_keeps_serving()
    {
        // The worker is told to hang, as a parser stuck in a loop on a hostile PDF would.
        var (server, url) = await ChildProcess.StartServerAsync(_data, ["--Ingestion:ExtractionTimeoutSeconds=2"],
            new Dictionary<string, string> { ["DOCQA_EXTRACT_FAULT"] = "hang" });
        try
        {
            using var http = new HttpClient { BaseAddress = url };
            var clock = Stopwatch.StartNew();
            await UploadAsync(http, "stuck", Text("stuck", paragraphs: 2));
            using (var health = await http.GetAsync("health"))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            var document = await WaitUntilSettledAsync(http, "stuck");
            Assert.Equal(DocumentStatus.Failed, document.Status);
            Assert.Equal("extraction timed out after 2 s", document.Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");

            using var search = await http.PostAsJsonAsync($"v1/indexes/{Index}/search", new { query = "harbor", top = 3 });
            Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    /// <summary>Read from the SQLite file itself: each document's chunks are exactly one version's, as many as its record says.</summary>
    private void AssertOneSetOfChunksEach(IReadOnlyList<DocumentDto> documents)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "docqa.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        foreach (var document in documents)
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT COUNT(*), COUNT(DISTINCT ordinal), SUM(chunk_id LIKE $version || '%'), (SELECT COUNT(*) FROM chunk_vectors WHERE chunk_rowid IN
                    (SELECT id FROM chunks WHERE index_name = $index AND document_id = $id))
                FROM chunks WHERE index_name = $index AND document_id = $id
                """;
            command.Parameters.AddWithValue("$index", Index);
            command.Parameters.AddWithValue("$id", document.Id);
            command.Parameters.AddWithValue("$version", $"{Index}:{document.Id}:{document.Sha256[..12]}:");
            using var reader = command.ExecuteReader();
            reader.Read();
            Assert.True(document.Chunks > 0, document.Id);
            Assert.Equal((document.Chunks, document.Chunks, document.Chunks, document.Chunks),
                (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        using var orphans = connection.CreateCommand();
        orphans.CommandText = """
            SELECT COUNT(*) FROM chunks AS c
            LEFT JOIN documents AS d ON d.index_name = c.index_name AND d.id = c.document_id
            WHERE d.id IS NULL
            """;
        Assert.Equal(0L, (long)orphans.ExecuteScalar()!);
    }

    private static async Task UploadAsync(HttpClient http, string id, string text)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/markdown");
        form.Add(file, "file", id + ".md");
        form.Add(new StringContent(id), "id");
        using var response = await http.PostAsync($"v1/indexes/{Index}/documents", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<IReadOnlyList<DocumentDto>> ListAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<DocumentListDto>($"v1/indexes/{Index}/documents", JsonDefaults.Options))!.Documents;

    private static async Task<DocumentDto> WaitUntilSettledAsync(HttpClient http, string id)
    {
        DocumentDto? document = null;
        await WaitForAsync(async () =>
        {
            document = await http.GetFromJsonAsync<DocumentDto>($"v1/indexes/{Index}/documents/{id}", JsonDefaults.Options);
            return document!.Status is DocumentStatus.Ready or DocumentStatus.Failed;
        }, $"{id} ready or failed");
        return document!;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited too long for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>A Markdown document of distinct sentences, so that every document has chunks of its own.</summary>
    private static string Text(string id, int paragraphs)
    {
        string[] words = ["harbor", "tide", "keeper", "lantern", "mooring", "ledger", "pilot", "channel", "beacon", "cargo", "gull", "quay"];
        var random = new Random(id.Aggregate(17, (hash, c) => hash * 31 + c));
        var text = new StringBuilder($"# Log of {id}\n\n");
        for (var p = 0; p < paragraphs; p++)
        {
            for (var s = 0; s < 5; s++)
                text.Append($"On day {p * 5 + s} the {words[random.Next(words.Length)]} saw the {words[random.Next(words.Length)]} near the {words[random.Next(words.Length)]} at {random.Next(24)}:{random.Next(60):00}. ");
            text.Append("\n\n");
        }
        return text.ToString();
    }
}
