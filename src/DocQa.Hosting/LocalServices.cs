using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocQa.Hosting;

/// <summary>
/// DocQa composed inside the calling process, as the command line and the benchmarks run it: settings from
/// appsettings.json in the working directory, then the environment, then the data directory given.
/// </summary>
public static class LocalServices
{
    public static IConfiguration Configuration(string? dataDirectory = null) => new ConfigurationBuilder()
        .SetBasePath(Directory.GetCurrentDirectory())
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddInMemoryCollection(dataDirectory is null ? [] : [new("Storage:DataDirectory", dataDirectory)])
        .Build();

    /// <summary>The services of DocQa on <paramref name="dataDirectory"/> (default: the configured one); <paramref name="configure"/> may replace some.</summary>
    public static ServiceProvider Build(string? dataDirectory, Action<IServiceCollection>? configure = null)
    {
        var configuration = Configuration(dataDirectory);
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).SetMinimumLevel(LogLevel.Warning));
        services.AddDocQa(configuration, Directory.GetCurrentDirectory());
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
