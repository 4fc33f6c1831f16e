using DocQa.Client.Tests.Generated;

namespace DocQa.Client.Tests;

/// <summary>The generated client against the real server: upload, poll, search, ask, and a problem response.</summary>
[Collection(KestrelServerCollection.Name)]
public sealed class GeneratedClientTests(KestrelServer server)
{
    [Fact]
    public async Task The_generated_client_uploads_polls_searches_and_asks()
    {
        var client = new DocQaApiClient(server.CreateClient());
        const string index = "client";
        var text = "High tide at Gull Harbor comes at six in the morning during the first week of May."u8.ToArray();

        var uploaded = await client.UploadDocumentAsync(index, new FileParameter(new MemoryStream(text), "tides.txt", "text/plain"), "tides", ["team:harbor"]);
        Assert.Equal("tides", uploaded.Id);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        var document = uploaded;
        while (document.Status is DocumentStatus.Queued or DocumentStatus.Processing && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            document = await client.GetDocumentAsync(index, "tides");
        }
        Assert.Equal(DocumentStatus.Ready, document.Status);
        Assert.Equal("harbor", document.Tags["team"]);

        var found = await client.SearchAsync(index, new SearchRequestDto { Query = "high tide", Top = 3 });
        Assert.Equal("tides", Assert.Single(found.Results).DocumentId);

        var answer = await client.AskAsync(index, new AskRequestDto { Question = "When is high tide at Gull Harbor?" });
        Assert.Contains("six in the morning", answer.Answer, StringComparison.Ordinal);
        Assert.Equal("tides", answer.Citations.First().DocumentId);

        var problem = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => client.GetDocumentAsync(index, "no-such-document"));
        Assert.Equal(404, problem.StatusCode);
    }
}
