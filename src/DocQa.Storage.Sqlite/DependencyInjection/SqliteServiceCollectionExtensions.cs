using DocQa.Core.Configuration;
using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Registers the embedded SQLite store as the document store, tuned by <see cref="SqliteDocumentStoreOptions.Section"/>.
    /// The database file is where <paramref name="databasePath"/> says (the host's data directory).
    /// </summary>
    public static IServiceCollection AddSqliteDocumentStore(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, string> databasePath)
    {
        services.AddConfiguredOptions<SqliteDocumentStoreOptions>(configuration, SqliteDocumentStoreOptions.Section);
        return services.AddDocumentStore(sp => new SqliteDocumentStore(databasePath(sp),
                sp.GetRequiredService<IOptions<SqliteDocumentStoreOptions>>(), sp.GetRequiredService<ILogger<SqliteDocumentStore>>()))
            .AddStoreCapability<IStoreBackup, SqliteDocumentStore>();
    }
}
