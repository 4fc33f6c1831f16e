using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using DocQa.Contracts;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocQa.Cli.Tests;

/// <summary>
/// The search checkpoint across a crash: the real server commits chunks after the checkpoint was written and is
/// killed before another one covers them; the store opened again (checkpoint plus journal) searches exactly as the
/// same store rebuilt from SQLite does.
/// </summary>
public sealed class SearchCheckpointCrashTests : IDisposable
{
    private const string Index = "restart";

    // Every store keeps a checkpoint, however small.
    private static readonly string[] Settings = ["--Storage:Sqlite:CheckpointMinimumChunks=0"];

    private static readonly string[] Queries = ["lantern near the quay", "pilot ledger at the channel", "gull cargo beacon", "tide keeper mooring"];

    private readonly string _data = Directory.CreateTempSubdirectory("docqa-checkpoint-").FullName;

    private string CheckpointPath => Path.Combine(_data, "docqa.db.search");

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_server_killed_between_a_chunk_write_and_its_checkpoint_reopens_to_the_results_of_a_rebuild()
    {
        // 1. A server ingests and stops cleanly: its close writes the checkpoint.
        var (server, url) = await ChildProcess.StartServerAsync(_data, Settings);
        try
        {
            using var http = new HttpClient { BaseAddress = url };
            foreach (var id in new[] { "first-1", "first-2", "first-3" }) await UploadAsync(http, id);
            foreach (var id in new[] { "first-1", "first-2", "first-3" }) await WaitUntilReadyAsync(http, id);
        }
        finally
        {
            await StopAsync(server);
        }
        Assert.True(File.Exists(CheckpointPath), "no checkpoint after a clean stop");
        var checkpoint = await File.ReadAllBytesAsync(CheckpointPath);

        // 2. A second server commits more chunks (new documents, one replaced, one deleted) and is killed (SIGKILL)
        // before a checkpoint covers them: the old checkpoint stays, the journal in SQLite holds the rest.
        (server, url) = await ChildProcess.StartServerAsync(_data, Settings);
        try
        {
            using var http = new HttpClient { BaseAddress = url };
            await UploadAsync(http, "later-1");
            await UploadAsync(http, "first-3", variant: "replaced");
            await WaitUntilReadyAsync(http, "later-1");
            await WaitUntilReadyAsync(http, "first-3");
            using (var deleted = await http.DeleteAsync($"v1/indexes/{Index}/documents/first-2"))
                Assert.True(deleted.IsSuccessStatusCode, deleted.StatusCode.ToString());
        }
        finally
        {
            server.Kill(entireProcessTree: false);
            await server.WaitForExitAsync();
            server.Dispose();
        }
        Assert.Equal(checkpoint, await File.ReadAllBytesAsync(CheckpointPath));

        // 3. Opened from the checkpoint with the journal replayed, then from SQLite alone: the same passages and scores.
        var replayLogs = new CapturedLogs();
        var replayed = await SearchEveryModeAsync(replayLogs);
        Assert.True(replayLogs.Contains("read from its checkpoint") && !replayLogs.Contains(", 0 later changes replayed"), string.Join('\n', replayLogs.Lines));
        Assert.Contains(replayed, line => line.Contains(": later-1 ", StringComparison.Ordinal));
        Assert.DoesNotContain(replayed, line => line.Contains(": first-2 ", StringComparison.Ordinal));

        File.Delete(CheckpointPath);
        var rebuildLogs = new CapturedLogs();
        var rebuilt = await SearchEveryModeAsync(rebuildLogs);
        Assert.False(rebuildLogs.Contains("read from its checkpoint"), string.Join('\n', rebuildLogs.Lines));
        Assert.Equal(rebuilt, replayed);
    }

    /// <summary>Vector, keyword and hybrid results of a few queries, as the command line's in-process services give them.</summary>
    private async Task<List<string>> SearchEveryModeAsync(CapturedLogs logs)
    {
        await using var services = LocalServices.Build(_data, s => s.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information)));
        var retriever = services.GetRequiredService<Retriever>();
        var lines = new List<string>();
        foreach (var mode in new[] { RetrievalMode.Vector, RetrievalMode.Keyword, RetrievalMode.Hybrid })
            foreach (var query in Queries)
                foreach (var passage in await retriever.SearchAsync(new SearchRequest(Index, query, 8, mode)))
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"{mode} {query}: {passage.DocumentId} {passage.ChunkId} {passage.Score:R}"));
        Assert.NotEmpty(lines);
        return lines;
    }

    /// <summary>SIGTERM, as a service manager stops the server: it shuts down and disposes the store.</summary>
    private static async Task StopAsync(Process server)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", server.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await server.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            server.Kill(entireProcessTree: true);
            throw new TimeoutException("the server did not stop on SIGTERM");
        }
        finally
        {
            server.Dispose();
        }
    }

    private static async Task UploadAsync(HttpClient http, string id, string variant = "")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(Text(id + variant)));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/markdown");
        form.Add(file, "file", id + ".md");
        form.Add(new StringContent(id), "id");
        using var response = await http.PostAsync($"v1/indexes/{Index}/documents", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>Waits until the document is ready; an upload answers once the document is queued, so an earlier version's "ready" is never seen.</summary>
    private static async Task WaitUntilReadyAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var document = (await http.GetFromJsonAsync<DocumentDto>($"v1/indexes/{Index}/documents/{id}", JsonDefaults.Options))!;
            if (document.Status == DocumentStatus.Ready) return;
            Assert.NotEqual(DocumentStatus.Failed, document.Status);
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited too long for {id}: {document.Status}");
            await Task.Delay(50);
        }
    }

    /// <summary>A Markdown document of sentences drawn from a seed of its own, so that every version has chunks of its own.</summary>
    private static string Text(string seed)
    {
        string[] words = ["harbor", "tide", "keeper", "lantern", "mooring", "ledger", "pilot", "channel", "beacon", "cargo", "gull", "quay"];
        var random = new Random(seed.Aggregate(17, (hash, c) => hash * 31 + c));
        var text = new StringBuilder($"# Log of {seed}\n\n");
        for (var p = 0; p < 4; p++)
        {
            for (var s = 0; s < 5; s++)
                text.Append(CultureInfo.InvariantCulture, $"On day {p * 5 + s} the {words[random.Next(words.Length)]} saw the {words[random.Next(words.Length)]} near the {words[random.Next(words.Length)]}. ");
            text.Append("\n\n");
        }
        return text.ToString();
    }
}
