using System.CommandLine;
using DocQa.Cli.Backends;
using DocQa.Core;
using Microsoft.Extensions.Options;

namespace DocQa.Cli.Commands;

/// <summary>Options every command takes, and the one place that turns failures into a readable line and an exit code.</summary>
public static class CommonOptions
{
    public static readonly Option<string?> Server = new("--server")
    {
        Description = "URL of a running DocQa server to work on (default: the local data directory; env DOCQA_SERVER)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DOCQA_SERVER"),
    };

    // No default value from the environment here: help would print the key.
    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API key for --server, when the server requires one (env DOCQA_API_KEY)",
        Recursive = true,
    };

    public static readonly Option<string?> DataDirectory = new("--data-dir")
    {
        Description = "Local data directory (default: Storage:DataDirectory from appsettings.json, data/store)",
        Recursive = true,
    };

    public static readonly Option<string> Index = new("--index", "-i")
    {
        Description = "Index to work on",
        Recursive = true,
        DefaultValueFactory = _ => "default",
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the result as JSON",
        Recursive = true,
    };

    public static IEnumerable<Option> Global => [Server, ApiKey, DataDirectory, Index, Json];

    /// <summary>Runs a command against the backend the options choose; failures print one line to stderr and exit 1.</summary>
    public static Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<IDocQaBackend, Task<int>> action) =>
        RunAsync(cancellationToken, async () =>
        {
            await using var backend = CreateBackend(parse);
            return await action(backend);
        });

    /// <summary>Runs a command that needs no backend; failures print one line to stderr and exit 1.</summary>
    public static async Task<int> RunAsync(CancellationToken cancellationToken, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is CliException or RequestRejectedException or OptionsValidationException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"docqa: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("docqa: cancelled");
            return 130;
        }
    }

    public static IDocQaBackend CreateBackend(ParseResult parse)
    {
        var server = parse.GetValue(Server);
        if (string.IsNullOrWhiteSpace(server)) return new LocalBackend(parse.GetValue(DataDirectory));
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new CliException($"--server needs an http(s) URL, not '{server}'");
        var apiKey = parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("DOCQA_API_KEY");
        return new RemoteBackend(uri, string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim());
    }

    public static void PrintJson<T>(T value) => CliOutput.PrintJson(value);
}
