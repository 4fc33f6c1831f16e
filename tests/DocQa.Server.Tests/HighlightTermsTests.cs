using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using DocQa.Contracts;

namespace DocQa.Server.Tests;

/// <summary>Search and ask name the words the page marks: the words of the passages that are the query's keyword terms, as written there.</summary>
[Collection(ServerCollection.Name)]
public sealed class HighlightTermsTests(DocQaServerFactory factory)
{
    private const string Index = "highlight";

    private async Task<HttpClient> SeededClientAsync()
    {
        var client = factory.CreateClient();
        var upload = await client.UploadAsync(Index, "harbor.txt",
            "Mooring Fees rose to $1,250 a season. The harbor master's office collects each fee in advance."u8.ToArray());
        await client.WaitForDocumentAsync(Index, (await upload.ReadAsync<DocumentDto>()).Id);
        return client;
    }

    [Fact]
    public async Task Search_names_the_words_of_its_results_that_match_the_query()
    {
        var client = await SeededClientAsync();

        var response = await (await client.PostAsJsonAsync($"/v1/indexes/{Index}/search", new { query = "What are the mooring fees of 1250?", mode = "keyword" }))
            .ReadAsync<SearchResponseDto>();

        Assert.NotEmpty(response.Results);
        // Plural and singular, any case, and the number as it is written; stop-words and words not asked about are left out.
        Assert.Equal(["Mooring", "Fees", "1,250", "fee"], response.HighlightTerms);
    }

    [Fact]
    public async Task Ask_names_the_words_of_its_citations_that_match_the_question_streamed_or_not()
    {
        var client = await SeededClientAsync();
        const string question = "How much are the mooring fees?";

        var answer = await (await client.PostAsJsonAsync($"/v1/indexes/{Index}/ask", new { question })).ReadAsync<AskResponseDto>();
        var stream = await client.PostAsJsonAsync($"/v1/indexes/{Index}/ask", new { question, stream = true });
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await stream.Content.ReadAsStreamAsync()).EnumerateAsync())
            events.Add(item);
        var citations = JsonSerializer.Deserialize<CitationsEventDto>(events[0].Data, JsonDefaults.Options)!;
        var done = JsonSerializer.Deserialize<AskResponseDto>(events[^1].Data, JsonDefaults.Options)!;

        Assert.Equal(["Mooring", "Fees", "fee"], answer.HighlightTerms);
        Assert.Equal(answer.HighlightTerms, citations.HighlightTerms);
        Assert.Equal(answer.HighlightTerms, done.HighlightTerms);
    }
}
