using System.Net.Http.Headers;
using System.Net.Http.Json;
using DocQa.Contracts;
using DocQa.Core.Documents;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace DocQa.Server.Tests;

/// <summary>The real server in-process, on a fresh data directory, with the real embedding model and SQLite.</summary>
public class DocQaServerFactory : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "docqa-tests-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>Small upload limit so the 413 path is cheap to test.</summary>
    public const long MaxUploadBytes = 2 * 1024 * 1024;

    /// <summary>What the server logged: kept here rather than printed, so that a passing run's output stays readable.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Extra settings or services for one test's server, applied last.</summary>
    public Action<IWebHostBuilder>? Configure { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(Logs));
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Ingestion:SeedSamples", "false");
        builder.UseSetting("Ingestion:MaxUploadBytes", MaxUploadBytes.ToString());
        // The tests poll; the rate limit has its own test.
        builder.UseSetting("Limits:RequestsPerMinute", "0");
        // The scanned pages the tests make are 150 dpi images: rendering them at the default 300 only slows OCR.
        builder.UseSetting("Ocr:Dpi", "150");
        Configure?.Invoke(builder);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}

public static class ApiClientExtensions
{
    public static async Task<HttpResponseMessage> UploadAsync(this HttpClient client, string index, string fileName, byte[] content,
        string? id = null, params string[] tags)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (id is not null) form.Add(new StringContent(id), "id");
        foreach (var tag in tags) form.Add(new StringContent(tag), "tags");
        return await client.PostAsync($"/v1/indexes/{index}/documents", form);
    }

    /// <summary>Polls a document until it is ready or failed (bounded: 120 s).</summary>
    public static async Task<DocumentDto> WaitForDocumentAsync(this HttpClient client, string index, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var document = await client.GetFromJsonAsync<DocumentDto>($"/v1/indexes/{index}/documents/{id}", JsonDefaults.Options);
            if (document!.Status is DocumentStatus.Ready or DocumentStatus.Failed) return document;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{index}/{id} still {document.Status}");
            await Task.Delay(100);
        }
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(JsonDefaults.Options))!;
}
