using DocQa.Core.Documents;
using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;
using System.Security.Cryptography;

namespace DocQa.Server.Tests;

/// <summary>The statuses in the store are the ingestion queue: a server started on a store left mid-ingestion finishes the work.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Documents_left_queued_or_processing_by_a_stopped_server_are_finished_after_a_restart()
    {
        using var factory = new DocQaServerFactory();
        var bytes = "The night watch rings the fog bell every two minutes."u8.ToArray();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));

        // What a server killed mid-way leaves behind: the original file kept, one record queued and one processing.
        var files = new DirectoryFileStore(Path.Combine(factory.DataDirectory, "files"));
        using (var store = new SqliteDocumentStore(Path.Combine(factory.DataDirectory, "docqa.db")))
        {
            foreach (var (id, status) in new[] { ("queued-doc", DocumentStatus.Queued), ("interrupted-doc", DocumentStatus.Processing) })
            {
                await files.SaveAsync("restart", id, sha, new MemoryStream(bytes));
                await store.SaveDocumentAsync(new DocumentRecord
                {
                    Index = "restart", Id = id, FileName = id + ".txt", ContentType = "text/plain", SizeBytes = bytes.Length,
                    Sha256 = sha, Status = status, Attempts = status == DocumentStatus.Processing ? 1 : 0,
                    CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
                });
            }
        }

        var client = factory.CreateClient();
        foreach (var id in new[] { "queued-doc", "interrupted-doc" })
        {
            var document = await client.WaitForDocumentAsync("restart", id);
            Assert.Equal(DocumentStatus.Ready, document.Status);
            Assert.Equal(1, document.Chunks);
        }
    }
}
