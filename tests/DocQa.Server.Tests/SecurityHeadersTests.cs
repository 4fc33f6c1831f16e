using System.Net;
using DocQa.Contracts;

namespace DocQa.Server.Tests;

/// <summary>The browser hardening headers: on the page and the API, on the API reference, and an uploaded file's own sandbox.</summary>
[Collection(ServerCollection.Name)]
public sealed class SecurityHeadersTests(DocQaServerFactory factory)
{
    private const string Index = "headers";
    private static readonly byte[] EvilHtml =
        "<html><body><h1>Minutes</h1><script>fetch('/v1/indexes')</script><img src=x onerror=\"fetch('/v1/indexes')\"></body></html>"u8.ToArray();

    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("/")]
    [InlineData("/app.js")]
    [InlineData("/v1/info")]
    [InlineData("/v1/indexes")]
    [InlineData("/v1/indexes/default/documents/no-such-doc")] // a problem response
    [InlineData("/no-such-page")]
    public async Task The_page_and_the_api_allow_no_inline_or_foreign_script_and_are_never_framed(string path)
    {
        var response = await _client.GetAsync(path);

        var policy = Policy(response);
        Assert.Equal(["'self'"], policy["default-src"]);
        Assert.Equal(["'self'"], policy["script-src"]);
        Assert.Equal(["'none'"], policy["object-src"]);
        Assert.Equal(["'none'"], policy["base-uri"]);
        Assert.Equal(["'none'"], policy["frame-ancestors"]);
        Assert.Equal(["'self'"], policy["form-action"]);
        Assert.DoesNotContain(policy.Values.SelectMany(sources => sources), source => source.StartsWith("'unsafe-", StringComparison.Ordinal));
        AssertHardened(response);
    }

    [Fact]
    public async Task The_api_reference_runs_its_own_start_script_but_loads_only_from_this_server_and_is_never_framed()
    {
        var response = await _client.GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = Policy(response);
        Assert.Equal(["'self'"], policy["default-src"]);
        Assert.Equal(["'self'", "'unsafe-inline'"], policy["script-src"]);
        Assert.Equal(["'none'"], policy["object-src"]);
        Assert.Equal(["'none'"], policy["frame-ancestors"]);
        Assert.DoesNotContain(policy.Values.SelectMany(sources => sources), source => source.Contains(':', StringComparison.Ordinal) && source != "data:");
        AssertHardened(response);
    }

    [Theory]
    [InlineData("evil.html", "text/html", "attachment")]
    [InlineData("evil.txt", "text/html", "attachment")] // HTML by its content, whatever its name says
    [InlineData("notes.txt", "text/plain", "inline")]
    [InlineData("report.pdf", "application/pdf", "inline")]
    public async Task An_uploaded_file_is_served_in_a_sandbox_where_nothing_runs_or_loads(string fileName, string contentType, string disposition)
    {
        var content = fileName switch
        {
            "notes.txt" => "The keeper trims the wicks at dusk."u8.ToArray(),
            "report.pdf" => TestDocuments.Pdf(["The beacon on Gull Island is painted red and white."]),
            _ => EvilHtml,
        };
        var upload = await _client.UploadAsync(Index, fileName, content);
        var id = (await upload.ReadAsync<DocumentDto>()).Id;

        var file = await _client.GetAsync($"/v1/indexes/{Index}/documents/{id}/file");

        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(contentType, file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(disposition, file.Content.Headers.ContentDisposition?.DispositionType);
        var policy = Policy(file);
        // A bare "sandbox": no allow-scripts, no allow-same-origin; the file gets an opaque origin of its own.
        Assert.Empty(policy["sandbox"]);
        Assert.Equal(["'none'"], policy["default-src"]);
        Assert.Equal(["'none'"], policy["frame-ancestors"]);
        Assert.DoesNotContain("script-src", policy.Keys);
        AssertHardened(file);
        Assert.Equal(content, await file.Content.ReadAsByteArrayAsync());
    }

    private static void AssertHardened(HttpResponseMessage response)
    {
        Assert.Equal("DENY", Single(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Single(response, "Referrer-Policy"));
        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
    }

    /// <summary>The response's one Content-Security-Policy, as its directives and their sources.</summary>
    private static Dictionary<string, string[]> Policy(HttpResponseMessage response)
    {
        var policy = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var directive in Single(response, "Content-Security-Policy").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = directive.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(policy.TryAdd(parts[0], parts[1..]), $"{parts[0]} appears once");
        }
        return policy;
    }

    private static string Single(HttpResponseMessage response, string name)
    {
        Assert.True(response.Headers.TryGetValues(name, out var values), $"{response.RequestMessage?.RequestUri?.AbsolutePath} has {name}");
        return Assert.Single(values);
    }
}
