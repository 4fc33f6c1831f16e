using DocQa.Core.Documents;
using DocQa.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DocQa.Hosting.Tests;

/// <summary>The server's Sources:Folders: a configured folder is mirrored at start and followed as it changes.</summary>
public sealed class FolderSourcesTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("docqa-sources-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_contentRoot, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_configured_folder_is_synced_at_start_and_its_changes_follow()
    {
        var folder = Path.Combine(_contentRoot, "shared");
        Directory.CreateDirectory(Path.Combine(folder, "drafts"));
        File.WriteAllText(Path.Combine(folder, "tides.md"), "# Tides\n\nHigh tide at Gull Harbor comes at 6:40 in the morning.\n");
        File.WriteAllText(Path.Combine(folder, "drafts", "wip.md"), "# Draft\n\nNot yet.\n");

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = _contentRoot });
        builder.Configuration.AddInMemoryCollection([
            new("Storage:DataDirectory", Path.Combine(_contentRoot, "store")),
            new("Ingestion:SeedSamples", "false"),
            new("Ingestion:IsolateExtraction", "false"),
            new("Sources:DebounceMilliseconds", "200"),
            new("Sources:Folders:0:Index", "harbor"),
            new("Sources:Folders:0:Path", "shared"), // relative: from the content root
            new("Sources:Folders:0:Exclude:0", "drafts/**"),
        ]);
        builder.Services.AddDocQa(builder.Configuration, _contentRoot).AddDocQaIngestionWorker();
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<IDocumentRecords>();
        await host.StartAsync();
        try
        {
            await WaitUntilAsync(async () => await IdsAsync(store) is ["tides-md"] && await ReadyAsync(store));
            Assert.Equal(Path.Combine(folder, "tides.md"), (await store.GetDocumentAsync("harbor", "tides-md"))!.SourcePath);

            File.WriteAllText(Path.Combine(folder, "keepers.txt"), "The lighthouse keeper trims the wicks every Sunday evening.\n");
            File.Delete(Path.Combine(folder, "tides.md"));

            await WaitUntilAsync(async () => await IdsAsync(store) is ["keepers-txt"] && await ReadyAsync(store));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<string[]> IdsAsync(IDocumentRecords store) =>
        [.. (await store.ListDocumentsAsync("harbor")).Select(d => d.Id).Order(StringComparer.Ordinal)];

    private static async Task<bool> ReadyAsync(IDocumentRecords store) =>
        (await store.ListDocumentsAsync("harbor")).All(d => d.Status == DocumentStatus.Ready);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the index did not follow the folder in time");
            await Task.Delay(100);
        }
    }
}
