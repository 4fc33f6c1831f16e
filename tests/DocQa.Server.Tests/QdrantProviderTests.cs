using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DocQa.Server.Tests;

/// <summary>Storage:Provider=Qdrant is checked when the server starts, not at the first request.</summary>
public sealed class QdrantProviderTests
{
    [Fact]
    public void Server_OnAnUnreachableQdrant_RefusesToStart_SayingWhere()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "docqa-tests-" + Guid.NewGuid().ToString("N")[..10]);
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Storage:Provider", "Qdrant");
            // Nothing listens on port 1 of the loopback: the connection is refused at once.
            builder.UseSetting("Storage:Qdrant:Url", "http://127.0.0.1:1");
            builder.UseSetting("Storage:DataDirectory", dataDirectory);
            builder.UseSetting("Ingestion:SeedSamples", "false");
        });
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());

            Assert.Contains("http://127.0.0.1:1", error.Message);
            Assert.Contains("Storage:Qdrant:Url", error.Message);
        }
        finally
        {
            if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
