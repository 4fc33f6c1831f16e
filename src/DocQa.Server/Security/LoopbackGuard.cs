using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace DocQa.Server.Security;

/// <summary>
/// The safe default: with no API keys, the server only listens on loopback. It checks the configured addresses
/// before the server binds them, and the bound ones after, unless Auth:AllowAnonymous says otherwise.
/// </summary>
public sealed class LoopbackGuard(IConfiguration configuration, IServer server, IOptions<AuthOptions> auth) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        EnsureSafe(auth.Value, ConfiguredUrls(configuration));
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        EnsureSafe(auth.Value, server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
        return Task.CompletedTask;
    }

    /// <summary>Throws <see cref="UnsafeExposureException"/> when keyless, not explicitly anonymous, and any address is beyond loopback.</summary>
    public static void EnsureSafe(AuthOptions auth, IEnumerable<string> urls)
    {
        if (auth.Keys.Count > 0 || auth.AllowAnonymous) return;
        var exposed = urls.Where(url => !IsLoopback(url)).ToList();
        if (exposed.Count > 0)
            throw new UnsafeExposureException(
                $"DocQa will not listen on {string.Join(", ", exposed)} without API keys: anyone who can reach it could read and change every index. " +
                "Create a key with 'docqa keys create --indexes <names> --role <reader|writer|admin>' and add the printed entry under Auth:Keys, " +
                "listen on a loopback address (Urls=http://127.0.0.1:5080), or set Auth:AllowAnonymous=true to serve without keys on purpose.");
    }

    /// <summary>The addresses Kestrel will listen on: its endpoints, then Urls (also ASPNETCORE_URLS, --urls), then ASPNETCORE_HTTP(S)_PORTS (all interfaces).</summary>
    public static IEnumerable<string> ConfiguredUrls(IConfiguration configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"]).OfType<string>();
        var urls = configuration["urls"] is { Length: > 0 } list
            ? list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : new[] { ("http", configuration["http_ports"]), ("https", configuration["https_ports"]) }
                .SelectMany(ports => (ports.Item2 ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(port => $"{ports.Item1}://*:{port}"));
        return endpoints.Concat(urls);
    }

    /// <summary>Only literal loopback addresses and "localhost" count; Kestrel binds every interface for '*', '+', 0.0.0.0, [::] and other host names.</summary>
    public static bool IsLoopback(string url)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }
        if (binding.IsUnixPipe) return true;
        var host = binding.Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The server was asked to serve every index, keyless, beyond this machine: it stops instead.</summary>
public sealed class UnsafeExposureException(string message) : InvalidOperationException(message);
