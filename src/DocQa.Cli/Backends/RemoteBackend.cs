using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using DocQa.Contracts;

namespace DocQa.Cli.Backends;

/// <summary>Talks to a running DocQa server through its REST API.</summary>
public sealed class RemoteBackend : IDocQaBackend
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private readonly Uri _server;
    private readonly HttpClient _http;

    /// <param name="apiKey">Sent as a bearer token on every request; null for a server without keys.</param>
    public RemoteBackend(Uri server, string? apiKey = null)
    {
        _server = server;
        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(10) };
        if (apiKey is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public string Description => $"server {_server}";

    public async Task<(DocumentDto Document, bool Unchanged)> UploadAsync(string index, string path, string? id, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken, string? sourcePath = null)
    {
        await using var file = File.OpenRead(path);
        using var form = new MultipartFormDataContent { { new StreamContent(file), "file", Path.GetFileName(path) } };
        if (id is not null) form.Add(new StringContent(id), "id");
        if (sourcePath is not null) form.Add(new StringContent(sourcePath), "sourcePath");
        foreach (var (key, value) in tags) form.Add(new StringContent($"{key}:{value}"), "tags");
        using var response = await _http.PostAsync(DocumentsPath(index), form, cancellationToken);
        var document = await ReadAsync<DocumentDto>(response, cancellationToken);
        return (document, response.StatusCode == HttpStatusCode.OK);
    }

    public async Task<IReadOnlyList<DocumentDto>> WaitUntilProcessedAsync(string index, IReadOnlyList<string> ids, Action<DocumentDto> processed, CancellationToken cancellationToken)
    {
        var pending = new HashSet<string>(ids);
        var final = new Dictionary<string, DocumentDto>();
        while (pending.Count > 0)
        {
            foreach (var id in pending.ToList())
            {
                var document = await GetDocumentAsync(index, id, cancellationToken);
                if (document.Status is not (DocQa.Core.Documents.DocumentStatus.Ready or DocQa.Core.Documents.DocumentStatus.Failed)) continue;
                pending.Remove(id);
                final[id] = document;
                processed(document);
            }
            if (pending.Count > 0) await Task.Delay(PollInterval, cancellationToken);
        }
        return ids.Select(id => final[id]).ToList();
    }

    public async Task<IndexListDto> ListIndexesAsync(CancellationToken cancellationToken) =>
        await GetAsync<IndexListDto>("v1/indexes", cancellationToken);

    public async Task<DocumentListDto> ListDocumentsAsync(string index, CancellationToken cancellationToken) =>
        await GetAsync<DocumentListDto>(DocumentsPath(index), cancellationToken);

    public async Task<DocumentDto> GetDocumentAsync(string index, string id, CancellationToken cancellationToken) =>
        await GetAsync<DocumentDto>($"{DocumentsPath(index)}/{Uri.EscapeDataString(id)}", cancellationToken);

    public async Task DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync($"{DocumentsPath(index)}/{Uri.EscapeDataString(id)}", cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    public async Task<SearchResponseDto> SearchAsync(string index, SearchRequestDto request, CancellationToken cancellationToken) =>
        await PostAsync<SearchResponseDto>($"v1/indexes/{Uri.EscapeDataString(index)}/search", request, cancellationToken);

    public async Task<AskResponseDto> AskAsync(string index, AskRequestDto request, CancellationToken cancellationToken) =>
        await PostAsync<AskResponseDto>($"v1/indexes/{Uri.EscapeDataString(index)}/ask", request, cancellationToken);

    public async Task BackupAsync(Stream output, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync("v1/admin/backup", content: null, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await response.Content.CopyToAsync(output, cancellationToken);
    }

    public async Task<AskResponseDto> AskStreamingAsync(string index, AskRequestDto request, Action<string> onText, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, $"v1/indexes/{Uri.EscapeDataString(index)}/ask")
        {
            Content = JsonContent.Create(request with { Stream = true }, options: JsonDefaults.Options),
        };
        message.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await SendAsync(() => _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken));
        await EnsureSuccessAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            switch (item.EventType)
            {
                case "delta":
                    onText(JsonSerializer.Deserialize<DeltaEventDto>(item.Data, JsonDefaults.Options)!.Text);
                    break;
                case "done":
                    return JsonSerializer.Deserialize<AskResponseDto>(item.Data, JsonDefaults.Options)!;
            }
        }
        throw new CliException("the server closed the answer stream before it was done");
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string DocumentsPath(string index) => $"v1/indexes/{Uri.EscapeDataString(index)}/documents";

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => _http.GetAsync(path, cancellationToken));
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => _http.PostAsJsonAsync(path, body, JsonDefaults.Options, cancellationToken));
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the DocQa server at {_server}: {e.Message}");
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(JsonDefaults.Options, cancellationToken)
            ?? throw new CliException("the server sent an empty response");
    }

    /// <summary>Turns an error response's problem details into one readable line.</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? detail = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("detail", out var d)) detail = d.GetString();
            else if (json.RootElement.TryGetProperty("title", out var t)) detail = t.GetString();
        }
        catch (JsonException)
        {
            // not a problem document: fall back to the status line
        }
        var message = $"{(int)response.StatusCode} {response.ReasonPhrase}: {detail ?? "request failed"}";
        throw response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new AccessDeniedException(message + " (pass the key with --api-key or DOCQA_API_KEY)"),
            HttpStatusCode.Forbidden => new AccessDeniedException(message),
            HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnsupportedMediaType => new FileRejectedException(message),
            _ => new CliException(message),
        };
    }
}
