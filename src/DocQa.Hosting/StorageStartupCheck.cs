using DocQa.Core.Storage;
using DocQa.Storage.Qdrant;
using Microsoft.Extensions.Hosting;

namespace DocQa.Hosting;

/// <summary>
/// Before the server takes requests: a Qdrant store creates its collections, or checks those that exist, so a
/// collection made for another embedding model stops the server with the reason instead of failing each request.
/// </summary>
public sealed class StorageStartupCheck(IDocumentStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        store is QdrantDocumentStore qdrant ? qdrant.EnsureCollectionsAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
