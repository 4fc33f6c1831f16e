using Microsoft.Extensions.DependencyInjection;

namespace DocQa.Core.Storage;

public static class StoreRegistration
{
    /// <summary>
    /// Registers a store backend as one singleton behind each part of the store contract, so that callers ask for the
    /// part they use. Optional capabilities (<see cref="IHybridSearchStore"/>, <see cref="IClaimLeases"/>,
    /// <see cref="IStoreInitializer"/>) the backend's own registration adds.
    /// </summary>
    public static IServiceCollection AddDocumentStore<TStore>(this IServiceCollection services, Func<IServiceProvider, TStore> create)
        where TStore : class, IDocumentStore
    {
        services.AddSingleton(create);
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IDocumentRecords>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IIngestionQueue>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<ISearchIndex>(sp => sp.GetRequiredService<TStore>());
        return services;
    }

    /// <summary>Adds an optional capability <typeparamref name="TCapability"/> served by the registered store.</summary>
    public static IServiceCollection AddStoreCapability<TCapability, TStore>(this IServiceCollection services)
        where TCapability : class
        where TStore : class, TCapability =>
        services.AddSingleton<TCapability>(sp => sp.GetRequiredService<TStore>());
}
