using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Core.Documents;
using DocQa.Embeddings.Onnx;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
        builder.ConfigureTestServices(ShareEmbeddingModel);
    }

    /// <summary>
    /// Embedding models loaded once for the whole test run, one per distinct Embeddings settings: loading one takes
    /// seconds, and most servers of the tests use the same settings. A server with settings of its own (a test of
    /// those settings) still gets a model loaded for them.
    /// </summary>
    private static readonly ConcurrentDictionary<string, Lazy<IEmbeddingGenerator<string, Embedding<float>>>> SharedModels = new();

    private static void ShareEmbeddingModel(IServiceCollection services)
    {
        var configured = services.Last(d => d.ServiceType == typeof(IEmbeddingGenerator<string, Embedding<float>>));
        var create = configured.ImplementationFactory ?? throw new InvalidOperationException("the embedding model is not registered by a factory");
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var settings = JsonSerializer.Serialize(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value);
            var shared = SharedModels.GetOrAdd(settings, _ => new(() => (IEmbeddingGenerator<string, Embedding<float>>)create(sp)));
            return new Unowned(shared.Value);
        });
    }

    /// <summary>A shared model as one server sees it: the server's end does not release it.</summary>
    private sealed class Unowned(IEmbeddingGenerator<string, Embedding<float>> inner) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
            CancellationToken cancellationToken = default) => inner.GenerateAsync(values, options, cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

        public void Dispose()
        {
            // the model outlives this server
        }
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
