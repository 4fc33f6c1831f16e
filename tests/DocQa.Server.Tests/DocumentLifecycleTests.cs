using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Core.Documents;
using DocQa.Embeddings.Onnx;
using DocQa.Hosting;

namespace DocQa.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class DocumentLifecycleTests(DocQaServerFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Upload_poll_search_ask_download_delete()
    {
        const string index = "lifecycle";
        var pdf = TestDocuments.QuarterlyReport();

        var upload = await _client.UploadAsync(index, "harbor-q2.pdf", pdf, tags: ["team:finance"]);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        Assert.Equal("/v1/indexes/lifecycle/documents/harbor-q2-pdf", upload.Headers.Location?.OriginalString);
        var accepted = await upload.ReadAsync<DocumentDto>();
        Assert.Equal("harbor-q2-pdf", accepted.Id);
        Assert.Equal("application/pdf", accepted.ContentType);
        Assert.Equal("finance", accepted.Tags["team"]);

        var ready = await _client.WaitForDocumentAsync(index, accepted.Id);
        Assert.Equal(DocumentStatus.Ready, ready.Status);
        Assert.Null(ready.Error);
        Assert.Equal(3, ready.Pages);
        Assert.True(ready.Chunks >= 1);

        var indexes = await _client.GetFromJsonAsync<IndexListDto>("/v1/indexes", JsonDefaults.Options);
        Assert.Contains(indexes!.Indexes, i => i.Name == index && i.Documents == 1 && i.Chunks == ready.Chunks);
        Assert.Contains(indexes.Indexes, i => i.Name == "default");

        foreach (var mode in new[] { "hybrid", "vector", "keyword" })
        {
            var search = await _client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query = "supplier of glass lenses", top = 3, mode });
            Assert.Equal(HttpStatusCode.OK, search.StatusCode);
            var results = (await search.ReadAsync<SearchResponseDto>()).Results;
            Assert.NotEmpty(results);
            var hit = results.First(r => r.Text.Contains("glass lenses", StringComparison.Ordinal));
            Assert.Equal("harbor-q2.pdf", hit.FileName);
            Assert.Equal((3, 3), (hit.Page, hit.PageEnd));
        }

        var ask = await _client.PostAsJsonAsync($"/v1/indexes/{index}/ask", new { question = "What were total net sales for the quarter?" });
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        var answer = await ask.ReadAsync<AskResponseDto>();
        Assert.Equal("extractive", answer.Mode);
        Assert.False(answer.NoAnswer);
        Assert.Contains("48,213", answer.Answer);
        var cited = Assert.Single(answer.Citations, c => c.Referenced && c.Text.Contains("48,213"));
        Assert.Equal("harbor-q2.pdf", cited.FileName);
        // The three pages would fit one chunk; each is a passage of its own, so the cited page is the quoted line's.
        Assert.Equal((2, 2), (cited.Page, cited.PageEnd));
        Assert.Contains($"[{cited.N}]", answer.Answer);
        // The citation quotes the sentence the answer used, as offsets into its text; uncited sources quote nothing.
        Assert.NotNull(cited.Quote);
        Assert.Equal("Total net sales for the quarter were 48,213 thousand dollars.", cited.Text[cited.Quote.Start..cited.Quote.End]);
        Assert.All(answer.Citations.Where(c => !c.Referenced), c => Assert.Null(c.Quote));
        using (var json = JsonDocument.Parse(await ask.Content.ReadAsStringAsync()))
        {
            var quote = json.RootElement.GetProperty("citations").EnumerateArray()
                .Single(c => c.GetProperty("n").GetInt32() == cited.N).GetProperty("quote");
            Assert.Equal(cited.Quote.Start, quote.GetProperty("start").GetInt32());
            Assert.Equal(cited.Quote.End, quote.GetProperty("end").GetInt32());
        }

        var file = await _client.GetAsync($"/v1/indexes/{index}/documents/{accepted.Id}/file");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("application/pdf", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(pdf, await file.Content.ReadAsByteArrayAsync());
        // Inline, so that a citation link opens the PDF in the browser at "#page=N" instead of downloading it.
        Assert.Equal("inline", file.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("harbor-q2.pdf", file.Content.Headers.ContentDisposition?.FileName);

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/v1/indexes/{index}/documents/{accepted.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/v1/indexes/{index}/documents/{accepted.Id}")).StatusCode);
        var after = await _client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query = "supplier of glass lenses" });
        Assert.Empty((await after.ReadAsync<SearchResponseDto>()).Results);
    }

    [Fact]
    public async Task An_uploaded_html_page_downloads_instead_of_running_as_the_servers_own()
    {
        const string index = "pages";
        var html = "<html><body><h1>Keepers</h1><p>The keeper trims the wicks.</p><script>alert(1)</script></body></html>"u8.ToArray();
        var id = (await (await _client.UploadAsync(index, "keepers.html", html)).ReadAsync<DocumentDto>()).Id;
        await _client.WaitForDocumentAsync(index, id);

        var file = await _client.GetAsync($"/v1/indexes/{index}/documents/{id}/file");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("attachment", file.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", string.Join(",", file.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(html, await file.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Same_content_again_is_unchanged_and_new_content_replaces_the_old_chunks()
    {
        const string index = "versions";
        var first = TestDocuments.Pdf(["The beacon on Gull Island is painted red and white."]);
        var id = (await (await _client.UploadAsync(index, "beacon.pdf", first)).ReadAsync<DocumentDto>()).Id;
        var ready = await _client.WaitForDocumentAsync(index, id);
        Assert.Equal(DocumentStatus.Ready, ready.Status);

        var again = await _client.UploadAsync(index, "beacon.pdf", first);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(ready.UpdatedAt, (await again.ReadAsync<DocumentDto>()).UpdatedAt);

        var second = TestDocuments.Pdf(["The beacon on Gull Island was repainted solid green in spring."]);
        var replaced = await _client.UploadAsync(index, "beacon.pdf", second);
        Assert.Equal(HttpStatusCode.Accepted, replaced.StatusCode);
        Assert.Equal(DocumentStatus.Ready, (await _client.WaitForDocumentAsync(index, id)).Status);

        var results = (await (await _client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query = "beacon Gull Island colour", top = 5 }))
            .ReadAsync<SearchResponseDto>()).Results;
        var only = Assert.Single(results);
        Assert.Contains("green", only.Text);
        var documents = await _client.GetFromJsonAsync<DocumentListDto>($"/v1/indexes/{index}/documents", JsonDefaults.Options);
        Assert.Single(documents!.Documents);
    }

    [Fact]
    public async Task Filters_restrict_search_to_documents_and_tags()
    {
        const string index = "filters";
        var a = await _client.UploadAsync(index, "north.txt", "The northern depot stores spare lamp bulbs."u8.ToArray(), tags: ["region:north"]);
        var b = await _client.UploadAsync(index, "south.txt", "The southern depot stores spare lamp bulbs and fuel."u8.ToArray(), tags: ["region:south"]);
        var idA = (await a.ReadAsync<DocumentDto>()).Id;
        var idB = (await b.ReadAsync<DocumentDto>()).Id;
        await _client.WaitForDocumentAsync(index, idA);
        await _client.WaitForDocumentAsync(index, idB);

        var byTag = (await (await _client.PostAsJsonAsync($"/v1/indexes/{index}/search",
            new { query = "spare lamp bulbs", filter = new { tags = new Dictionary<string, string> { ["region"] = "south" } } })).ReadAsync<SearchResponseDto>()).Results;
        Assert.All(byTag, r => Assert.Equal(idB, r.DocumentId));
        Assert.NotEmpty(byTag);

        var byId = (await (await _client.PostAsJsonAsync($"/v1/indexes/{index}/search",
            new { query = "spare lamp bulbs", mode = "keyword", filter = new { documentIds = new[] { idA } } })).ReadAsync<SearchResponseDto>()).Results;
        Assert.All(byId, r => Assert.Equal(idA, r.DocumentId));
        Assert.NotEmpty(byId);
    }

    [Fact]
    public async Task Unrelated_question_gets_no_answer_with_a_reason()
    {
        const string index = "noanswer";
        var id = (await (await _client.UploadAsync(index, "lamps.md", "# Lamps\n\nOur lamps burn paraffin oil and need their wicks trimmed weekly."u8.ToArray()))
            .ReadAsync<DocumentDto>()).Id;
        await _client.WaitForDocumentAsync(index, id);

        var answer = await (await _client.PostAsJsonAsync($"/v1/indexes/{index}/ask",
            new { question = "Who won the 1998 football world cup final?" })).ReadAsync<AskResponseDto>();
        Assert.True(answer.NoAnswer);
        Assert.False(string.IsNullOrWhiteSpace(answer.NoAnswerReason));
        Assert.DoesNotContain(answer.Citations, c => c.Referenced);
    }

    [Fact]
    public async Task Health_and_openapi_are_served()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpResponseMessage health;
        while ((health = await _client.GetAsync("/health")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains(EmbeddingOptions.DefaultModel.Name, await health.Content.ReadAsStringAsync());

        var openApi = await _client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        var description = await openApi.Content.ReadAsStringAsync();
        Assert.Contains("/v1/indexes/{index}/ask", description);

        // No keys configured: a key is one way in, none is another.
        using var document = System.Text.Json.JsonDocument.Parse(description);
        var alternatives = document.RootElement.GetProperty("security").EnumerateArray()
            .Select(requirement => string.Join(",", requirement.EnumerateObject().Select(scheme => scheme.Name)))
            .ToList();
        Assert.Equal(["bearer", "apiKey", ""], alternatives);
    }
}
