using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DocQa.Client.Tests;

/// <summary>The server on a loopback port (Kestrel), on a fresh data directory; one for all the tests here.</summary>
public sealed class KestrelServer : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("docqa-client-").FullName;

    public KestrelServer()
    {
        UseKestrel(0);
        StartServer();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Ingestion:SeedSamples", "false");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// A typed client generated from the served OpenAPI document compiles (this project) and works against the real
/// server. When the document changes, regenerate it:
/// <c>DOCQA_UPDATE_CLIENT=1 dotnet test tests/DocQa.Client.Tests --filter Checked_in_client</c>.
/// </summary>
[Collection(KestrelServerCollection.Name)]
public sealed class ClientDriftTests(KestrelServer server)
{
    [Fact]
    public async Task Checked_in_client_is_what_the_served_document_generates()
    {
        var json = await server.CreateClient().GetStringAsync("/openapi/v1.json");
        var generated = await ClientGeneration.GenerateAsync(json);
        var path = ClientGeneration.CheckedInPath();
        if (Environment.GetEnvironmentVariable("DOCQA_UPDATE_CLIENT") == "1")
            await File.WriteAllTextAsync(path, generated);
        var checkedIn = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : "";
        Assert.True(checkedIn == generated,
            $"{path} is not what the served OpenAPI document generates: regenerate it with DOCQA_UPDATE_CLIENT=1 dotnet test tests/DocQa.Client.Tests --filter Checked_in_client");
    }

    /// <summary>
    /// What Redocly's recommended rules asked of the document (no-server-trailing-slash, operation-operationId,
    /// operation-2xx-response, tag-description, info-license), checked here without Node.
    /// </summary>
    [Fact]
    public async Task Served_document_gives_generators_what_they_need()
    {
        using var document = JsonDocument.Parse(await server.CreateClient().GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        Assert.All(root.GetProperty("servers").EnumerateArray(), s => Assert.False(s.GetProperty("url").GetString()!.EndsWith('/')));
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("info").GetProperty("license").GetProperty("name").GetString()));
        Assert.All(root.GetProperty("tags").EnumerateArray(), t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("description").GetString())));

        var operations = root.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Name: $"{operation.Name} {path.Name}", operation.Value)))
            .ToList();
        Assert.NotEmpty(operations);
        foreach (var (name, operation) in operations)
        {
            Assert.True(operation.TryGetProperty("operationId", out _), $"{name} has no operationId");
            Assert.True(operation.GetProperty("responses").EnumerateObject().Any(r => r.Name.StartsWith('2')), $"{name} declares no 2xx response");
        }
        var ids = operations.Select(o => o.Value.GetProperty("operationId").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}

[CollectionDefinition(Name)]
public sealed class KestrelServerCollection : ICollectionFixture<KestrelServer>
{
    public const string Name = "kestrel server";
}
