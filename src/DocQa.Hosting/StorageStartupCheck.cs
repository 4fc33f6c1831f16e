using DocQa.Core.Storage;
using Microsoft.Extensions.Hosting;

namespace DocQa.Hosting;

/// <summary>
/// Before the server takes requests, a store that has set-up to do (<see cref="IStoreInitializer"/>) does it, so a
/// store that cannot serve (a collection made for another embedding model) stops start-up with the reason instead of
/// failing each request.
/// </summary>
public sealed class StorageStartupCheck(IEnumerable<IStoreInitializer> initializers) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var initializer in initializers) await initializer.InitializeAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
