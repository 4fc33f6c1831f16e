using DocQa.Core.Storage;
using DocQa.Hosting;
using DocQa.Storage.Qdrant;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DocQa.Hosting.Tests;

/// <summary>Storage:Provider picks the store; every part of the store contract a caller asks for is that one instance.</summary>
public sealed class StoreRegistrationTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("docqa-store-registration-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void TheEmbeddedStore_ServesEveryPart_AndNoOptionalCapability()
    {
        using var services = Services();

        var store = Assert.IsType<SqliteDocumentStore>(services.GetRequiredService<IDocumentStore>());
        Assert.Same(store, services.GetRequiredService<IDocumentRecords>());
        Assert.Same(store, services.GetRequiredService<IIngestionQueue>());
        Assert.Same(store, services.GetRequiredService<ISearchIndex>());
        Assert.Null(services.GetService<IHybridSearchStore>());
        Assert.Null(services.GetService<IClaimLeases>());
        Assert.Empty(services.GetServices<IStoreInitializer>());
    }

    [Fact]
    public void Qdrant_ServesEveryPart_AndItsCapabilities()
    {
        // Nothing here connects: the client is made, collections are checked only when the host starts.
        using var services = Services(("Storage:Provider", "Qdrant"), ("Storage:Qdrant:Url", "http://127.0.0.1:1"));

        var store = Assert.IsType<QdrantDocumentStore>(services.GetRequiredService<IDocumentStore>());
        Assert.Same(store, services.GetRequiredService<IDocumentRecords>());
        Assert.Same(store, services.GetRequiredService<IIngestionQueue>());
        Assert.Same(store, services.GetRequiredService<ISearchIndex>());
        Assert.Same(store, services.GetRequiredService<IHybridSearchStore>());
        Assert.Same(store, services.GetRequiredService<IClaimLeases>());
        Assert.Same(store, Assert.Single(services.GetServices<IStoreInitializer>()));
    }

    private ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Storage:DataDirectory", _dataDirectory), .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))])
            .Build();
        return new ServiceCollection().AddLogging().AddDocQa(configuration, _dataDirectory).BuildServiceProvider();
    }
}
