using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DocQa.Cli.Tests;

/// <summary>docqa keys create, a server configured with the printed entry, and --api-key against it.</summary>
public sealed class ApiKeyTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("docqa-keys-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_created_key_works_against_a_server_configured_with_its_entry()
    {
        var created = await ChildProcess.RunCliAsync(_work, "keys", "create", "--indexes", "crew,logs", "--role", "writer", "--name", "ops", "--json");
        Assert.True(created.ExitCode == 0, created.StandardError);
        var json = JsonDocument.Parse(created.StandardOutput).RootElement;
        var key = json.GetProperty("key").GetString()!;
        var entry = json.GetProperty("entry");
        var hash = entry.GetProperty("hash").GetString()!;
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))), hash);
        Assert.Equal("writer", entry.GetProperty("role").GetString());
        Assert.Equal(["crew", "logs"], entry.GetProperty("indexes").EnumerateArray().Select(i => i.GetString()));

        var text = await ChildProcess.RunCliAsync(_work, "keys", "create", "--indexes", "*", "--role", "admin");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Auth__Keys__N__Hash=sha256:", text.StandardOutput);
        Assert.Contains("\"Indexes\": [", text.StandardOutput);

        File.WriteAllText(Path.Combine(_work, "keepers.txt"), "The lighthouse keeper trims the wicks every Sunday evening.\n");
        var data = Path.Combine(_work, "store");
        Directory.CreateDirectory(data);
        var (server, url) = await ChildProcess.StartServerAsync(data,
            ["--Auth:Keys:0:Name=ops", $"--Auth:Keys:0:Hash={hash}", "--Auth:Keys:0:Role=writer", "--Auth:Keys:0:Indexes:0=crew", "--Auth:Keys:0:Indexes:1=logs"]);
        try
        {
            var keyless = await ChildProcess.RunCliAsync(_work, "ingest", "keepers.txt", "--server", url.ToString(), "--index", "crew");
            Assert.Equal(1, keyless.ExitCode);
            var line = Assert.Single(keyless.StandardError.Trim().Split('\n'));
            Assert.StartsWith("docqa: 401 Unauthorized:", line);
            Assert.Contains("--api-key", line);

            var ingest = await ChildProcess.RunCliAsync(_work, "ingest", "keepers.txt", "--server", url.ToString(), "--index", "crew", "--api-key", key);
            Assert.True(ingest.ExitCode == 0, ingest.StandardOutput + ingest.StandardError);
            Assert.Contains("ready", ingest.StandardOutput);

            var search = await ChildProcess.RunCliAsync(_work, "search", "wicks", "--server", url.ToString(), "--index", "crew", "--api-key", key, "--json");
            Assert.Equal(0, search.ExitCode);
            Assert.Contains("keepers.txt", search.StandardOutput);

            var elsewhere = await ChildProcess.RunCliAsync(_work, "docs", "list", "--server", url.ToString(), "--index", "payroll", "--api-key", key);
            Assert.Equal(1, elsewhere.ExitCode);
            Assert.Equal("docqa: 403 Forbidden: The API key 'ops' may not read index 'payroll'.", elsewhere.StandardError.Trim());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Without_keys_the_server_refuses_a_non_loopback_address()
    {
        var refused = await ChildProcess.RunServerAsync(_work, "--Urls=http://0.0.0.0:0", $"--Storage:DataDirectory={Path.Combine(_work, "store")}", "--Ingestion:SeedSamples=false");
        Assert.Equal(1, refused.ExitCode);
        var printed = refused.StandardOutput + refused.StandardError;
        Assert.Contains("will not listen on http://0.0.0.0:0 without API keys", printed);
        Assert.Contains("Auth:AllowAnonymous", printed);
        Assert.Contains("docqa keys create", printed);
    }
}
