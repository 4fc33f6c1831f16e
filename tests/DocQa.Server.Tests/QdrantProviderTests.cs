using Microsoft.AspNetCore.Hosting;

namespace DocQa.Server.Tests;

/// <summary>Storage:Provider=Qdrant is checked when the server starts, not at the first request.</summary>
public sealed class QdrantProviderTests
{
    [Fact]
    public void Server_OnAnUnreachableQdrant_RefusesToStart_SayingWhere()
    {
        using var factory = new DocQaServerFactory();
        factory.Configure = builder =>
        {
            builder.UseSetting("Storage:Provider", "Qdrant");
            // Nothing listens on port 1 of the loopback: the connection is refused at once.
            builder.UseSetting("Storage:Qdrant:Url", "http://127.0.0.1:1");
        };

        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());

        Assert.Contains("http://127.0.0.1:1", error.Message);
        Assert.Contains("Storage:Qdrant:Url", error.Message);
        // The failure is logged where the test keeps it, not printed among the run's output.
        Assert.True(factory.Logs.Contains("Hosting failed to start"), string.Join('\n', factory.Logs.Lines));
    }
}
