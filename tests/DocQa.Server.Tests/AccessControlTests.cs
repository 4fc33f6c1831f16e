using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocQa.Contracts;

namespace DocQa.Server.Tests;

/// <summary>With keys configured: no key is 401, a key is held to its role and its indexes, and nobody sees an index they were not given.</summary>
[Collection(SecuredServerCollection.Name)]
public sealed class AccessControlTests(SecuredServerFactory factory)
{
    private const string IndexA = SecuredServerFactory.IndexA;
    private const string IndexB = SecuredServerFactory.IndexB;

    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem.GetProperty("detail").GetString()!;
    }

    private static Task<HttpResponseMessage> SearchAsync(HttpClient client, string index, string query) =>
        client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query, top = 10 });

    [Fact]
    public async Task Requests_without_a_key_or_with_a_wrong_one_are_401()
    {
        var anonymous = factory.ClientWith(null);
        var missing = await anonymous.GetAsync("/v1/indexes");
        Assert.Contains("API key", await AssertProblemAsync(missing, HttpStatusCode.Unauthorized));
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        await AssertProblemAsync(await SearchAsync(anonymous, IndexA, "lamp"), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await anonymous.UploadAsync(IndexA, "x.txt", "x"u8.ToArray()), HttpStatusCode.Unauthorized);

        var wrong = factory.ClientWith(factory.ReaderA + "x");
        Assert.Contains("not valid", await AssertProblemAsync(await wrong.GetAsync("/v1/indexes"), HttpStatusCode.Unauthorized));

        // Health and the API description stay open.
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task The_API_description_says_how_to_send_a_key()
    {
        using var document = JsonDocument.Parse(await factory.ClientWith(null).GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;

        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("http", schemes.GetProperty("bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("apiKey", schemes.GetProperty("apiKey").GetProperty("type").GetString());
        Assert.Equal("header", schemes.GetProperty("apiKey").GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("apiKey").GetProperty("name").GetString());

        // Keys are configured: one of the two is required, none is not enough.
        var alternatives = root.GetProperty("security").EnumerateArray()
            .Select(requirement => string.Join(",", requirement.EnumerateObject().Select(scheme => scheme.Name)))
            .ToList();
        Assert.Equal(["bearer", "apiKey"], alternatives);
    }

    [Fact]
    public async Task A_reader_searches_and_asks_its_own_index_but_cannot_change_it()
    {
        await factory.EnsureDocumentsAsync();
        var reader = factory.ClientWith(factory.ReaderA);

        var search = await SearchAsync(reader, IndexA, "lamp room painted");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal("lamps-txt", (await search.ReadAsync<SearchResponseDto>()).Results[0].DocumentId);
        var ask = await reader.PostAsJsonAsync($"/v1/indexes/{IndexA}/ask", new { question = "When is the lamp room painted?" });
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/v1/indexes/{IndexA}/documents/lamps-txt")).StatusCode);

        Assert.Contains("may not change index 'auth-a'",
            await AssertProblemAsync(await reader.UploadAsync(IndexA, "new.txt", "New text."u8.ToArray()), HttpStatusCode.Forbidden));
        await AssertProblemAsync(await reader.DeleteAsync($"/v1/indexes/{IndexA}/documents/lamps-txt"), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await reader.DeleteAsync($"/v1/indexes/{IndexA}"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/v1/indexes/{IndexA}/documents/lamps-txt")).StatusCode);
    }

    [Fact]
    public async Task A_reader_never_sees_another_index()
    {
        await factory.EnsureDocumentsAsync();
        var reader = factory.ClientWith(factory.ReaderA);

        Assert.Contains("may not read index 'auth-b'", await AssertProblemAsync(await SearchAsync(reader, IndexB, "payroll secret"), HttpStatusCode.Forbidden));
        await AssertProblemAsync(await reader.PostAsJsonAsync($"/v1/indexes/{IndexB}/ask", new { question = "What does a keeper earn?" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await reader.PostAsJsonAsync($"/v1/indexes/{IndexB}/ask", new { question = "What does a keeper earn?", stream = true }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await reader.GetAsync($"/v1/indexes/{IndexB}/documents"), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await reader.GetAsync($"/v1/indexes/{IndexB}/documents/payroll-txt/file"), HttpStatusCode.Forbidden);

        // Its own index answers from its own passages only, even when the other index holds the better match.
        var results = (await (await SearchAsync(reader, IndexA, "payroll secret keeper earns crowns")).ReadAsync<SearchResponseDto>()).Results;
        Assert.All(results, result => Assert.Equal("lamps-txt", result.DocumentId));

        var listed = (await reader.GetFromJsonAsync<IndexListDto>("/v1/indexes", JsonDefaults.Options))!.Indexes.Select(i => i.Name).ToList();
        Assert.Equal([IndexA], listed);
        var admin = factory.ClientWith(factory.Admin);
        var all = (await admin.GetFromJsonAsync<IndexListDto>("/v1/indexes", JsonDefaults.Options))!.Indexes.Select(i => i.Name).ToList();
        Assert.Contains(IndexA, all);
        Assert.Contains(IndexB, all);
    }

    [Fact]
    public async Task A_writer_uploads_and_deletes_in_its_index_and_an_admin_deletes_indexes()
    {
        var writer = factory.ClientWith(factory.WriterA);
        var upload = await writer.UploadAsync(IndexA, "drafts.txt", "Draft notes on the fog signal schedule."u8.ToArray());
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        await writer.WaitForDocumentAsync(IndexA, "drafts-txt");
        Assert.Equal(HttpStatusCode.NoContent, (await writer.DeleteAsync($"/v1/indexes/{IndexA}/documents/drafts-txt")).StatusCode);
        await AssertProblemAsync(await writer.UploadAsync(IndexB, "drafts.txt", "x"u8.ToArray()), HttpStatusCode.Forbidden);
        Assert.Contains("may not manage", await AssertProblemAsync(await writer.DeleteAsync($"/v1/indexes/{IndexA}"), HttpStatusCode.Forbidden));

        var admin = factory.ClientWith(factory.Admin);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.UploadAsync("auth-scratch", "scratch.txt", "Scratch."u8.ToArray())).StatusCode);
        await admin.WaitForDocumentAsync("auth-scratch", "scratch-txt");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/v1/indexes/auth-scratch")).StatusCode);
    }

    [Fact]
    public async Task The_key_may_come_in_an_X_Api_Key_header()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", factory.ReaderB);
        var listed = (await client.GetFromJsonAsync<IndexListDto>("/v1/indexes", JsonDefaults.Options))!.Indexes.Select(i => i.Name);
        Assert.DoesNotContain(IndexA, listed);
        await AssertProblemAsync(await SearchAsync(client, IndexA, "lamp"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_key_over_its_rate_gets_429_with_Retry_After()
    {
        var client = factory.ClientWith(factory.Throttled);
        for (var i = 0; i < SecuredServerFactory.ThrottledPerMinute; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/indexes")).StatusCode);
        var refused = await client.GetAsync("/v1/indexes");
        Assert.Contains("try again", await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests));
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

        // Other keys have their own budget.
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWith(factory.ReaderA).GetAsync("/v1/indexes")).StatusCode);
    }
}
