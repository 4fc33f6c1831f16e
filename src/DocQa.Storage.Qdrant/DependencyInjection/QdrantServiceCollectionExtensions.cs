using DocQa.Core.Configuration;
using DocQa.Core.Storage;
using DocQa.Storage.Qdrant;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class QdrantServiceCollectionExtensions
{
    /// <summary>
    /// Registers a Qdrant server (<see cref="QdrantStoreOptions.Section"/>) as the document store, with the capabilities
    /// it adds: hybrid search in one request, claims that are leases, and collections created or checked at start-up.
    /// </summary>
    public static IServiceCollection AddQdrantDocumentStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddConfiguredOptions<QdrantStoreOptions>(configuration, QdrantStoreOptions.Section);
        return services
            .AddDocumentStore(sp => new QdrantDocumentStore(sp.GetRequiredService<IOptions<QdrantStoreOptions>>(),
                sp.GetRequiredService<ILogger<QdrantDocumentStore>>(), sp.GetService<TimeProvider>()))
            .AddStoreCapability<IHybridSearchStore, QdrantDocumentStore>()
            .AddStoreCapability<IClaimLeases, QdrantDocumentStore>()
            .AddStoreCapability<IStoreInitializer, QdrantDocumentStore>();
    }
}
