using System.Net;
using System.Text.RegularExpressions;

namespace DocQa.Server.Tests;

/// <summary>The web page's files as the server serves them; the page itself is driven in a browser by DocQa.Server.Browser.Tests.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class WebPageFilesTests(DocQaServerFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task The_page_is_served_at_the_root_with_everything_it_loads()
    {
        var page = await _client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>DocQa</title>", html);

        var loaded = LocalReference().Matches(html).Select(m => m.Groups["path"].Value).ToList();
        Assert.Contains("app.js", loaded);
        Assert.Contains("app.css", loaded);
        foreach (var path in loaded.Append("api.js"))
        {
            var file = await _client.GetAsync("/" + path);
            Assert.True(file.StatusCode == HttpStatusCode.OK, $"/{path}: {file.StatusCode}");
            // Nothing is fetched from elsewhere: no CDN, no web font, no absolute address.
            Assert.DoesNotMatch(OutsideAddress(), await file.Content.ReadAsStringAsync());
        }
        Assert.DoesNotMatch(OutsideAddress(), html);
    }

    [GeneratedRegex("(?:src|href)=\"(?<path>[a-z]+\\.(?:js|css))\"")]
    private static partial Regex LocalReference();

    [GeneratedRegex("(?:https?:)?//[a-z0-9.-]+\\.[a-z]{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex OutsideAddress();
}
