namespace DocQa.Core.Storage;

/// <summary>
/// A store with set-up to do before the first request, such as creating its collections or checking that those that
/// exist suit the embedding model, so a mismatch stops start-up with the reason instead of failing each request.
/// </summary>
public interface IStoreInitializer
{
    Task InitializeAsync(CancellationToken cancellationToken = default);
}
