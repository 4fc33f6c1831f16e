using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DocQa.Contracts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DocQa.Server.Tests;

/// <summary>
/// Requests of odd shapes against the real Kestrel server: each gets a problem body with a 4xx (or the 504 of a
/// timeout, readable by the client), never a 5xx or a reset, and none changes what is stored.
/// </summary>
public sealed class HostileRequestTests : IDisposable
{
    private const string Index = "hostile";
    private readonly DocQaServerFactory _factory = new();
    private readonly HttpClient _http;
    private readonly Uri _address;

    public HostileRequestTests()
    {
        _factory.Configure = builder => builder.UseSetting("Limits:RequestTimeoutSeconds", "2");
        _factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        _address = new Uri(_factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        _http = new HttpClient { BaseAddress = _address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public void Dispose()
    {
        _http.Dispose();
        _factory.Dispose();
    }

    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailFragment)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains(detailFragment, detail, StringComparison.OrdinalIgnoreCase);
        return detail;
    }

    private async Task<string[]> StoredAsync()
    {
        var indexes = (await _http.GetFromJsonAsync<IndexListDto>("/v1/indexes", JsonDefaults.Options))!.Indexes;
        return indexes.Select(i => $"{i.Name}:{i.Documents}").Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public async Task Search_and_ask_bodies_are_small_uploads_are_not()
    {
        var query = new string('a', 70 * 1024);
        foreach (var path in new[] { $"/v1/indexes/{Index}/search", $"/v1/indexes/{Index}/ask" })
        {
            var field = path.EndsWith("ask", StringComparison.Ordinal) ? "question" : "query";
            var content = new StringContent($$"""{"{{field}}":"{{query}}"}""", Encoding.UTF8, "application/json");
            await AssertProblemAsync(await _http.PostAsync(path, content), HttpStatusCode.RequestEntityTooLarge, "at most 65536 bytes");
        }

        // An upload well past the JSON limit (and under Ingestion:MaxUploadBytes) is taken.
        var text = Encoding.UTF8.GetBytes(string.Join(' ', Enumerable.Repeat("The harbour light turns every ten seconds.", 5000)));
        Assert.True(text.Length > 128 * 1024);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.UploadAsync(Index, "light.txt", text)).StatusCode);
    }

    [Theory]
    [InlineData("""{"query":"sales","filter":{"documentIds":[null]}}""", "filter.documentIds")]
    [InlineData("""{"query":"sales","filter":{"tags":{"team":null}}}""", "filter.tags")]
    [InlineData("""{"query":"sales","filter":{"metadata":{"type":null}}}""", "filter.metadata")]
    [InlineData("""{"query":"sales","filter":{"metadata":{" ":"policy"}}}""", "filter.metadata")]
    [InlineData("""{"query":"sales","mode":7}""", "$.mode")]
    [InlineData("""{"query":"sales","mode":"sideways"}""", "$.mode")]
    [InlineData("""{"query":"sales","top":"5"}""", "$.top")]
    [InlineData("""{"query":"sales","top":5.5}""", "$.top")]
    [InlineData("""{"query":""", "not valid JSON")]
    public async Task Malformed_query_fields_are_400_with_the_field_named(string body, string detailFragment)
    {
        var before = await StoredAsync();
        foreach (var path in new[] { $"/v1/indexes/{Index}/search", $"/v1/indexes/{Index}/ask" })
        {
            var json = path.EndsWith("ask", StringComparison.Ordinal) ? body.Replace("\"query\"", "\"question\"", StringComparison.Ordinal) : body;
            await AssertProblemAsync(await _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, detailFragment);
        }
        Assert.Equal(before, await StoredAsync());
    }

    [Fact]
    public async Task An_upload_with_too_many_form_fields_is_400_and_stores_nothing()
    {
        var before = await StoredAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent("A note on tides."u8.ToArray()), "file", "note.txt");
        for (var i = 0; i < 1100; i++) form.Add(new StringContent("x"), $"field{i}");
        await AssertProblemAsync(await _http.PostAsync($"/v1/indexes/{Index}/documents", form), HttpStatusCode.BadRequest, "count limit");
        Assert.Equal(before, await StoredAsync());
    }

    [Fact]
    public async Task An_upload_with_an_oversized_part_header_is_400_and_stores_nothing()
    {
        var before = await StoredAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent("A note on tides."u8.ToArray());
        file.Headers.Add("X-Padding", new string('p', 17 * 1024));
        form.Add(file, "file", "note.txt");
        await AssertProblemAsync(await _http.PostAsync($"/v1/indexes/{Index}/documents", form), HttpStatusCode.BadRequest, "headers length limit");
        Assert.Equal(before, await StoredAsync());
    }

    [Fact]
    public async Task A_slow_upload_gets_a_504_it_can_read_and_stores_nothing()
    {
        var before = await StoredAsync();
        using var socket = new TcpClient();
        await socket.ConnectAsync(_address.Host, _address.Port);
        var stream = socket.GetStream();
        var head = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.txt\"\r\nContent-Type: text/plain\r\n\r\n"u8.ToArray();
        var length = head.Length + 1024 * 1024;
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/indexes/{Index}/documents HTTP/1.1\r\nHost: {_address.Authority}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\n\r\n"));
        await stream.WriteAsync(head);

        // Trickle the body (4 KB every 100 ms, well above Kestrel's minimum rate) past the 2 s limit, reading as we go,
        // as a client that watches for an early answer does.
        var received = new MemoryStream();
        var buffer = new byte[8192];
        var chunk = Encoding.ASCII.GetBytes(new string('t', 4096));
        var read = stream.ReadAsync(buffer).AsTask();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (read.IsCompleted)
            {
                var n = await read;
                if (n == 0) break;
                received.Write(buffer, 0, n);
                if (IsWholeResponse(Encoding.ASCII.GetString(received.ToArray()))) break;
                read = stream.ReadAsync(buffer).AsTask();
                continue;
            }
            await stream.WriteAsync(chunk);
            await Task.Delay(100);
        }

        var response = Encoding.ASCII.GetString(received.ToArray());
        Assert.True(IsWholeResponse(response), response);
        Assert.StartsWith("HTTP/1.1 504", response);
        Assert.Contains("Limits:RequestTimeoutSeconds", response);
        Assert.Equal(before, await StoredAsync());
    }

    /// <summary>Whether an HTTP/1.1 response has arrived whole: its headers and all of its body, sized or chunked.</summary>
    private static bool IsWholeResponse(string response)
    {
        int end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var headers = response[..end];
        var body = response[(end + 4)..];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
            return body.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
        var length = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is not null && body.Length >= int.Parse(length["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
    }
}
