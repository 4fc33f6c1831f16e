namespace DocQa.Core.Storage;

/// <summary>
/// Everything a store backend provides, for registering one: its records, its queue and its search index. Callers ask
/// for the narrow part they use (<see cref="IDocumentRecords"/>, <see cref="IIngestionQueue"/>, <see cref="ISearchIndex"/>);
/// optional capabilities are <see cref="IHybridSearchStore"/>, <see cref="IClaimLeases"/> and <see cref="IStoreInitializer"/>.
/// </summary>
public interface IDocumentStore : IDocumentRecords, IIngestionQueue, ISearchIndex;
