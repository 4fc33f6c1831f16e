using System.Text;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DocQa.Server.Tests;

/// <summary>Indexes take turns in the ingestion queue, so one writer's backlog cannot hold back every other index.</summary>
public sealed class FairIngestionTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "docqa-fair-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_backlog_in_one_index_does_not_hold_back_another()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = _data,
            ["Ingestion:Workers"] = "1",
            ["Ingestion:IsolateExtraction"] = "false",
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddDocQa(configuration, _data).BuildServiceProvider();
        var library = services.GetRequiredService<DocumentLibrary>();
        var runner = services.GetRequiredService<IngestionRunner>();

        // Six documents from one writer are queued before the other index's two.
        for (var i = 1; i <= 6; i++)
            await SubmitAsync(library, "busy", $"busy-{i}");
        for (var i = 1; i <= 2; i++)
            await SubmitAsync(library, "calm", $"calm-{i}");

        var order = new List<string>();
        await runner.DrainAsync(record =>
        {
            Assert.Equal(DocumentStatus.Ready, record.Status);
            lock (order) order.Add(record.Id);
        });

        // Turns: one document of each index with queued documents per round, oldest first within an index.
        Assert.Equal(["busy-1", "calm-1", "busy-2", "calm-2", "busy-3", "busy-4", "busy-5", "busy-6"], order);
    }

    private static async Task SubmitAsync(DocumentLibrary library, string index, string id)
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes($"Document {id} of index {index} notes the tide tables for the harbour."));
        await library.SubmitAsync(new Upload(index, id + ".txt", content, id, null));
    }
}
