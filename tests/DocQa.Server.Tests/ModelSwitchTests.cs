using System.Net;
using System.Net.Http.Json;
using DocQa.Contracts;
using DocQa.Core.Retrieval;
using Microsoft.AspNetCore.Hosting;

namespace DocQa.Server.Tests;

/// <summary>
/// Changing Embeddings:Model on a store built with another model: the server re-embeds the stored chunks in the
/// background while it keeps answering, and every document ends on the new model.
/// </summary>
public sealed class ModelSwitchTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "docqa-switch-" + Guid.NewGuid().ToString("N")[..10]);

    private static readonly (string Id, string Text)[] Documents =
    [
        ("lighthouse", "The lighthouse keeper winds the lamp clockwork every four hours through the night."),
        ("bakery", "The bakery proofs its sourdough for eighteen hours before baking at dawn."),
        ("observatory", "The observatory opens its dome only when the humidity is below sixty percent."),
        ("harbour", "Ferries leave the harbour every forty minutes in summer and hourly in winter."),
        ("orchard", "The orchard harvests its apples in late September and stores them in cold rooms."),
        ("library", "Library members may borrow up to twelve books for three weeks at a time."),
    ];

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }

    private DocQaServerFactory Server(string model) => new()
    {
        Configure = builder => builder
            .UseSetting("Storage:DataDirectory", _dataDirectory)
            .UseSetting("Embeddings:Model", model),
    };

    [Fact]
    public async Task A_store_built_with_one_model_moves_to_the_other_while_the_server_answers()
    {
        using (var minilm = Server("all-minilm-l6-v2"))
        {
            var client = minilm.CreateClient();
            foreach (var (id, text) in Documents)
                Assert.Equal(HttpStatusCode.Accepted, (await client.UploadAsync("switch", id + ".txt", System.Text.Encoding.UTF8.GetBytes(text), id)).StatusCode);
            foreach (var (id, _) in Documents)
                Assert.Equal("all-MiniLM-L6-v2", (await client.WaitForDocumentAsync("switch", id)).EmbeddingModel);
        }

        using var arctic = Server("arctic-embed-xs");
        var server = arctic.CreateClient();
        var info = await server.GetFromJsonAsync<InfoDto>("/v1/info", JsonDefaults.Options);
        Assert.Equal("snowflake-arctic-embed-xs", info!.EmbeddingModel);

        // Searches run the whole time the documents move; each must succeed and find the document it is about,
        // whichever model its vectors are of at that moment.
        var searches = 0;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            foreach (var (id, question) in new[] { ("bakery", "How long is the sourdough proofed?"), ("harbour", "How often do ferries leave in winter?") })
            {
                var response = await server.PostAsJsonAsync("/v1/indexes/switch/search",
                    new SearchRequestDto(question, 3, RetrievalMode.Vector, null), JsonDefaults.Options);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(id, (await response.ReadAsync<SearchResponseDto>()).Results[0].DocumentId);
                searches++;
            }

            info = await server.GetFromJsonAsync<InfoDto>("/v1/info", JsonDefaults.Options);
            if (info!.Reembedding is { InProgress: false, Documents: > 0 }) break;
            Assert.True(DateTime.UtcNow < deadline, $"still re-embedding: {info.Reembedding}");
            await Task.Delay(50);
        }

        Assert.True(searches > 0);
        Assert.Equal(0, info.Reembedding!.Remaining);
        var documents = await server.GetFromJsonAsync<DocumentListDto>("/v1/indexes/switch/documents", JsonDefaults.Options);
        Assert.All(documents!.Documents, d => Assert.Equal("snowflake-arctic-embed-xs", d.EmbeddingModel));
        var index = (await server.GetFromJsonAsync<IndexListDto>("/v1/indexes", JsonDefaults.Options))!.Indexes.Single(i => i.Name == "switch");
        Assert.Equal(Documents.Length, index.EmbeddingModels["snowflake-arctic-embed-xs"]);
        Assert.Single(index.EmbeddingModels);

        // The new model's vectors answer too.
        var after = await server.PostAsJsonAsync("/v1/indexes/switch/search",
            new SearchRequestDto("When are the apples picked?", 3, RetrievalMode.Vector, null), JsonDefaults.Options);
        Assert.Equal("orchard", (await after.ReadAsync<SearchResponseDto>()).Results[0].DocumentId);
    }
}
