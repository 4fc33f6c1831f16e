using DocQa.Contracts;
using DocQa.Core.Answering;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Hosting;
using DocQa.Hosting.Backup;
using Microsoft.Extensions.DependencyInjection;

namespace DocQa.Cli.Backends;

/// <summary>Runs DocQa in this process on the data directory that configuration (appsettings.json, environment, --data-dir) names.</summary>
public sealed class LocalBackend : IDocQaBackend
{
    private readonly ServiceProvider _services;

    public LocalBackend(string? dataDirectory, Action<IServiceCollection>? configure = null)
    {
        _services = LocalServices.Build(dataDirectory, configure);
        DataDirectory = _services.GetRequiredService<DataPaths>().Root;
    }

    public string DataDirectory { get; }

    public string Description => $"local data directory {DataDirectory}";

    public IServiceProvider Services => _services;

    private DocumentLibrary Library => _services.GetRequiredService<DocumentLibrary>();

    private Task? _modelScan;

    /// <summary>Once, before the first search: which embedding models the stored vectors are of (see <see cref="Reembedder.ScanAsync"/>).</summary>
    private Task ScanModelsAsync(CancellationToken cancellationToken) =>
        _modelScan ??= _services.GetRequiredService<Reembedder>().ScanAsync(cancellationToken);

    public async Task<(DocumentDto Document, bool Unchanged)> UploadAsync(string index, string path, string? id, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken, string? sourcePath = null)
    {
        await using var content = File.OpenRead(path);
        var result = await Library.SubmitAsync(new Upload(index, Path.GetFileName(path), content, id, tags.Count > 0 ? tags : null) { SourcePath = sourcePath }, cancellationToken);
        return (DocumentDto.From(result.Document), result.Outcome == UploadOutcome.Unchanged);
    }

    public async Task<IReadOnlyList<DocumentDto>> WaitUntilProcessedAsync(string index, IReadOnlyList<string> ids, Action<DocumentDto> processed, CancellationToken cancellationToken)
    {
        var runner = _services.GetRequiredService<IngestionRunner>();
        void Report(DocumentRecord record) { if (record.Index == index && ids.Contains(record.Id)) processed(DocumentDto.From(record)); }
        await runner.DrainAsync(Report, cancellationToken);
        // Documents of an earlier embedding model are brought to the configured one while the CLI is at it.
        await _services.GetRequiredService<Reembedder>().RunAsync(cancellationToken: cancellationToken);
        var results = new List<DocumentDto>();
        foreach (var id in ids) results.Add(DocumentDto.From(await Library.GetAsync(index, id, cancellationToken)));
        return results;
    }

    public Task BackupAsync(Stream output, CancellationToken cancellationToken) =>
        _services.GetRequiredService<StoreBackupService>().WriteAsync(output, cancellationToken);

    public async Task<IndexListDto> ListIndexesAsync(CancellationToken cancellationToken) =>
        new((await Library.ListIndexesAsync(cancellationToken)).Select(IndexDto.From).ToList());

    public async Task<DocumentListDto> ListDocumentsAsync(string index, CancellationToken cancellationToken) =>
        new((await Library.ListAsync(index, cancellationToken)).Select(DocumentDto.From).ToList());

    public async Task<DocumentDto> GetDocumentAsync(string index, string id, CancellationToken cancellationToken) =>
        DocumentDto.From(await Library.GetAsync(index, id, cancellationToken));

    public Task DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken) =>
        Library.DeleteAsync(index, id, cancellationToken);

    public async Task<SearchResponseDto> SearchAsync(string index, SearchRequestDto request, CancellationToken cancellationToken)
    {
        DocumentLibrary.RequireIndexName(index);
        await ScanModelsAsync(cancellationToken);
        var passages = await _services.GetRequiredService<Retriever>().SearchAsync(
            new SearchRequest(index, request.Query ?? "", request.Top, request.Mode ?? RetrievalMode.Hybrid, request.Filter?.ToFilter()), cancellationToken);
        return new SearchResponseDto(passages.Select(SearchResultDto.From).ToList());
    }

    public async Task<AskResponseDto> AskAsync(string index, AskRequestDto request, CancellationToken cancellationToken)
    {
        DocumentLibrary.RequireIndexName(index);
        await ScanModelsAsync(cancellationToken);
        var result = await _services.GetRequiredService<AskService>().AskAsync(
            new AskRequest(index, request.Question ?? "", request.Top, request.Mode ?? RetrievalMode.Hybrid, request.Filter?.ToFilter(), request.ToHistory()), cancellationToken);
        return AskResponseDto.From(result);
    }

    public async Task<AskResponseDto> AskStreamingAsync(string index, AskRequestDto request, Action<string> onText, CancellationToken cancellationToken)
    {
        DocumentLibrary.RequireIndexName(index);
        await ScanModelsAsync(cancellationToken);
        var started = await _services.GetRequiredService<AskService>().StartAsync(
            new AskRequest(index, request.Question ?? "", request.Top, request.Mode ?? RetrievalMode.Hybrid, request.Filter?.ToFilter(), request.ToHistory()), cancellationToken);
        using var session = started.Session;
        await foreach (var update in session.Updates.WithCancellation(cancellationToken))
        {
            if (update is AnswerDelta delta) onText(delta.Text);
            else if (update is AnswerCompleted completed)
                return AskResponseDto.From(new AskResult(completed.Answer, new AskTimings(started.RetrievalMs, started.AnswerElapsedMs())));
        }
        throw new CliException("the answer stream ended without an answer");
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
