using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Core.Documents;

namespace DocQa.Server.Tests;

/// <summary>Every bad input gets a clear error (problem details) or a failed status with its reason, and nothing stored changes.</summary>
[Collection(ServerCollection.Name)]
public sealed class BadInputTests(DocQaServerFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailFragment)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detailFragment, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        return problem;
    }

    /// <summary>A ready document in its own index, to show that bad requests leave it as it was.</summary>
    private async Task<DocumentDto> ReadyDocumentAsync(string index)
    {
        var upload = await _client.UploadAsync(index, "keeper.txt", "The keeper lights the lamp at dusk every evening."u8.ToArray());
        return await _client.WaitForDocumentAsync(index, (await upload.ReadAsync<DocumentDto>()).Id);
    }

    private async Task AssertUnchangedAsync(string index, DocumentDto before)
    {
        var documents = (await _client.GetFromJsonAsync<DocumentListDto>($"/v1/indexes/{index}/documents", JsonDefaults.Options))!.Documents;
        var only = Assert.Single(documents);
        Assert.Equal(before, only with { Tags = before.Tags, Metadata = before.Metadata, PagesOcr = before.PagesOcr, Warnings = before.Warnings });
        Assert.Equal(before.PagesOcr, only.PagesOcr);
        Assert.Equal(before.Warnings, only.Warnings);
        Assert.Equal(before.Metadata.OrderBy(entry => entry.Key), only.Metadata.OrderBy(entry => entry.Key));
        var results = (await (await _client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query = "keeper lights the lamp" })).ReadAsync<SearchResponseDto>()).Results;
        Assert.Single(results);
    }

    [Fact]
    public async Task Empty_file_is_refused()
    {
        var before = await ReadyDocumentAsync("bad-empty");
        await AssertProblemAsync(await _client.UploadAsync("bad-empty", "empty.pdf", []), HttpStatusCode.BadRequest, "empty");
        await AssertUnchangedAsync("bad-empty", before);
    }

    [Fact]
    public async Task Unsupported_type_is_415()
    {
        var before = await ReadyDocumentAsync("bad-type");
        byte[] gif = "GIF89a\u0001\u0000\u0001\u0000"u8.ToArray();
        await AssertProblemAsync(await _client.UploadAsync("bad-type", "picture.pdf", gif), HttpStatusCode.UnsupportedMediaType, "not a supported document type");
        await AssertUnchangedAsync("bad-type", before);
    }

    [Fact]
    public async Task Corrupt_pdf_fails_with_a_reason_and_can_be_retried()
    {
        var corrupt = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nthis is not really a pdf\n"u8.ToArray();
        var upload = await _client.UploadAsync("bad-pdf", "broken.pdf", corrupt);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var failed = await _client.WaitForDocumentAsync("bad-pdf", (await upload.ReadAsync<DocumentDto>()).Id);
        Assert.Equal(DocumentStatus.Failed, failed.Status);
        Assert.False(string.IsNullOrWhiteSpace(failed.Error));
        Assert.Equal(0, failed.Chunks);

        var retry = await _client.PostAsync($"/v1/indexes/bad-pdf/documents/{failed.Id}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(DocumentStatus.Failed, (await _client.WaitForDocumentAsync("bad-pdf", failed.Id)).Status);
    }

    [Fact]
    public async Task Upload_over_the_limit_is_413()
    {
        var before = await ReadyDocumentAsync("bad-size");
        var big = new byte[DocQaServerFactory.MaxUploadBytes + 1];
        Array.Fill(big, (byte)'a');
        await AssertProblemAsync(await _client.UploadAsync("bad-size", "big.txt", big), HttpStatusCode.RequestEntityTooLarge, "limit");
        await AssertUnchangedAsync("bad-size", before);
    }

    [Fact]
    public async Task Unknown_document_is_404()
    {
        await AssertProblemAsync(await _client.GetAsync("/v1/indexes/default/documents/no-such-doc"), HttpStatusCode.NotFound, "no-such-doc");
        await AssertProblemAsync(await _client.DeleteAsync("/v1/indexes/default/documents/no-such-doc"), HttpStatusCode.NotFound, "no-such-doc");
        await AssertProblemAsync(await _client.GetAsync("/v1/indexes/default/documents/no-such-doc/file"), HttpStatusCode.NotFound, "no-such-doc");
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("-dash-first")]
    [InlineData("has.dot")]
    [InlineData("a2345678901234567890123456789012345678901234567890123456789012345")]
    public async Task Invalid_index_name_is_400(string index)
    {
        await AssertProblemAsync(await _client.UploadAsync(index, "a.txt", "text"u8.ToArray()), HttpStatusCode.BadRequest, "index name");
        await AssertProblemAsync(await _client.GetAsync($"/v1/indexes/{index}/documents"), HttpStatusCode.BadRequest, "index name");
        await AssertProblemAsync(await _client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query = "x" }), HttpStatusCode.BadRequest, "index name");
    }

    [Fact]
    public async Task Path_like_file_name_is_stored_under_a_safe_name()
    {
        var upload = await _client.UploadAsync("bad-path", "../../etc/x.txt", "Harmless text about tide tables."u8.ToArray());
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var document = await upload.ReadAsync<DocumentDto>();
        Assert.Equal("x.txt", document.FileName);
        Assert.Equal("x-txt", document.Id);
        Assert.Equal(DocumentStatus.Ready, (await _client.WaitForDocumentAsync("bad-path", document.Id)).Status);
        var stored = Directory.EnumerateFiles(factory.DataDirectory, "*", SearchOption.AllDirectories).Select(Path.GetFullPath);
        Assert.All(stored, path => Assert.StartsWith(Path.GetFullPath(factory.DataDirectory), path));
    }

    [Fact]
    public async Task Bad_query_requests_are_400()
    {
        await AssertProblemAsync(await _client.PostAsJsonAsync("/v1/indexes/default/search", new { query = "" }), HttpStatusCode.BadRequest, "query");
        await AssertProblemAsync(await _client.PostAsJsonAsync("/v1/indexes/default/search", new { query = "x", top = 0 }), HttpStatusCode.BadRequest, "top");
        await AssertProblemAsync(await _client.PostAsJsonAsync("/v1/indexes/default/ask", new { question = " " }), HttpStatusCode.BadRequest, "question");
        await AssertProblemAsync(await _client.PostAsJsonAsync("/v1/indexes/default/ask", new { question = new string('a', 4001) }), HttpStatusCode.BadRequest, "longer than 4000");
        await AssertProblemAsync(await _client.PostAsJsonAsync("/v1/indexes/default/search", new { query = "x", top = 51 }), HttpStatusCode.BadRequest, "between 1 and 50");
        var badMode = await _client.PostAsync("/v1/indexes/default/search",
            new StringContent("{\"query\":\"x\",\"mode\":\"psychic\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, badMode.StatusCode);
        Assert.Equal("application/problem+json", badMode.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bad_multipart_requests_are_400()
    {
        var json = await _client.PostAsJsonAsync("/v1/indexes/default/documents", new { file = "x" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);
        using var noFile = new MultipartFormDataContent { { new StringContent("x"), "id" } };
        await AssertProblemAsync(await _client.PostAsync("/v1/indexes/default/documents", noFile), HttpStatusCode.BadRequest, "'file'");
        await AssertProblemAsync(await _client.UploadAsync("default", "a.txt", "text"u8.ToArray(), tags: ["novalue"]), HttpStatusCode.BadRequest, "key:value");
        await AssertProblemAsync(await _client.UploadAsync("default", "a.txt", "text"u8.ToArray(), id: "../evil"), HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task Scripts_and_event_handlers_in_an_uploaded_page_never_reach_the_stored_text()
    {
        const string index = "hostile-html";
        var page = """
            <html><head><title>Pier notice</title><script>steal('zqscript')</script><style>p { content: 'zqstyle' }</style></head>
            <body onload="steal('zqonload')"><p onclick="steal('zqonclick')">The pier closes at dusk in winter.</p>
            <a href="javascript:steal('zqhref')">notices</a><img src=x onerror="steal('zqonerror')">
            <noscript>zqnoscript</noscript><template><p>zqtemplate</p></template></body></html>
            """u8.ToArray();
        var upload = await _client.UploadAsync(index, "../../notice.html", page);
        var document = await _client.WaitForDocumentAsync(index, (await upload.ReadAsync<DocumentDto>()).Id);
        Assert.Equal(DocumentStatus.Ready, document.Status);
        Assert.Equal("notice.html", document.FileName);

        var stored = (await (await _client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query = "pier closes dusk", top = 10 })).ReadAsync<SearchResponseDto>()).Results;
        Assert.NotEmpty(stored);
        foreach (var passage in stored)
        {
            Assert.DoesNotContain("zq", passage.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("steal", passage.Text, StringComparison.Ordinal);
        }
        foreach (var marker in new[] { "zqscript", "zqstyle", "zqonload", "zqonclick", "zqhref", "zqonerror", "zqnoscript", "zqtemplate" })
        {
            var found = (await (await _client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query = marker, mode = "keyword" })).ReadAsync<SearchResponseDto>()).Results;
            Assert.Empty(found);
        }
    }
}
