using System.Diagnostics;
using System.Net;

namespace DocQa.Cli.Tests;

/// <summary>The real server takes its address the ASP.NET Core ways, and the loopback guard checks the address it gets.</summary>
public sealed class ServerAddressTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("docqa-address-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    private ProcessStartInfo Server(string variable, string value)
    {
        var start = ChildProcess.ServerStart(_data, [$"--Storage:DataDirectory={_data}", "--Ingestion:SeedSamples=false"]);
        start.Environment[variable] = value;
        return start;
    }

    [Fact]
    public async Task ASPNETCORE_URLS_chooses_where_the_server_listens()
    {
        var url = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/");
        using var server = await ChildProcess.StartHealthyAsync(Server("ASPNETCORE_URLS", url.ToString()), url);
        try
        {
            using var http = new HttpClient { BaseAddress = url };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("v1/indexes")).StatusCode);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task ASPNETCORE_HTTP_PORTS_binds_every_interface_so_without_keys_the_guard_refuses_it()
    {
        var port = Loopback.FreePort();
        using var server = Process.Start(Server("ASPNETCORE_HTTP_PORTS", port.ToString()))!;
        var error = server.StandardError.ReadToEndAsync();
        _ = server.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await server.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, server.ExitCode);
        // The address refused is the one the setting gives, alone: the default did not add itself.
        Assert.Contains($"will not listen on http://*:{port} without API keys", await error);
    }
}
