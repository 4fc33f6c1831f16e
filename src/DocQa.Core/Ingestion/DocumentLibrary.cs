using System.Security.Cryptography;
using DocQa.Core.Documents;
using DocQa.Core.Extraction;
using DocQa.Core.Storage;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Ingestion;

/// <summary>A file handed to DocQa, as the REST API and the CLI receive it.</summary>
public sealed record Upload(
    string Index,
    string FileName,
    Stream Content,
    string? Id = null,
    IReadOnlyDictionary<string, string>? Tags = null)
{
    /// <summary>Where the file lives, when it was read from a folder (kept on the record for citations).</summary>
    public string? SourcePath { get; init; }
}

public enum UploadOutcome
{
    /// <summary>Queued for processing.</summary>
    Accepted,
    /// <summary>Same content as the ready document already stored: nothing to do.</summary>
    Unchanged,
    /// <summary>
    /// Ready at once: another ready document of the index holds the same bytes under the same file name (a file moved
    /// or copied), and its chunks and vectors were copied instead of being extracted and embedded again.
    /// </summary>
    Copied,
}

public sealed record UploadResult(DocumentRecord Document, UploadOutcome Outcome);

/// <summary>
/// What clients do with documents: upload, list, read, delete. Uploads are checked and queued here; the
/// <see cref="IngestionRunner"/> processes the queue. Every refusal happens before anything stored changes.
/// </summary>
public sealed class DocumentLibrary(
    IDocumentRecords store,
    IIngestionQueue queue,
    IFileStore files,
    IDocumentExtractor extractor,
    IngestionSignal signal,
    DocumentWriteLock writeLock,
    IOptions<IngestionOptions> options,
    TimeProvider clock)
{
    private static readonly TimeSpan QueueFullRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>Where uploads are spooled while their hash is computed.</summary>
    public string SpoolDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "docqa-uploads");

    /// <summary>
    /// The embedding model in use; when set, an upload that repeats a ready document's bytes and file name takes a
    /// copy of that document's chunks if their vectors are this model's (see <see cref="UploadOutcome.Copied"/>).
    /// </summary>
    public string? EmbeddingModel { get; init; }

    public async Task<UploadResult> SubmitAsync(Upload upload, CancellationToken cancellationToken = default)
    {
        RequireIndexName(upload.Index);
        var fileName = FileNames.Sanitize(upload.FileName);
        var id = upload.Id is { Length: > 0 } given ? given : DocumentIds.FromFileName(fileName);
        if (!DocumentIds.IsValid(id))
            throw RequestRejectedException.BadRequest(
                $"Document id '{id}' is not valid: use 1-128 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.");

        Directory.CreateDirectory(SpoolDirectory);
        var spoolPath = Path.Combine(SpoolDirectory, Guid.NewGuid().ToString("N"));
        try
        {
            var (sha256, size, head) = await SpoolAsync(upload.Content, spoolPath, cancellationToken);
            if (size == 0)
                throw RequestRejectedException.BadRequest($"'{fileName}' is empty.");
            var type = extractor.Detect(head, fileName)
                ?? throw new RequestRejectedException(RejectionKind.UnsupportedMediaType,
                    $"'{fileName}' is not a supported document type: upload PDF, DOCX, XLSX, PPTX, CSV, HTML, Markdown, plain text or an image (PNG, JPEG, TIFF).");

            using (await writeLock.AcquireAsync(cancellationToken))
            {
                var existing = await store.GetDocumentAsync(upload.Index, id, cancellationToken);
                if (existing is not null && existing.Sha256 == sha256 && existing.Status != DocumentStatus.Failed)
                {
                    // Same bytes again: nothing to re-process; only new tags are taken.
                    var tags = upload.Tags ?? existing.Tags;
                    var sourcePath = upload.SourcePath ?? existing.SourcePath;
                    if (!SameTags(tags, existing.Tags) || sourcePath != existing.SourcePath)
                    {
                        existing = existing with { Tags = tags, SourcePath = sourcePath, UpdatedAt = clock.GetUtcNow() };
                        await store.SaveDocumentAsync(existing, cancellationToken);
                    }
                    return new UploadResult(existing, existing.Status == DocumentStatus.Ready ? UploadOutcome.Unchanged : UploadOutcome.Accepted);
                }

                var twin = await FindTwinAsync(upload.Index, id, fileName, type.MediaType, sha256, cancellationToken);
                if (twin is null && existing?.Status != DocumentStatus.Queued) await RequireQueueRoomAsync(cancellationToken);
                await using (var spooled = File.OpenRead(spoolPath))
                    await files.SaveAsync(upload.Index, id, sha256, spooled, cancellationToken);

                var now = clock.GetUtcNow();
                var record = new DocumentRecord
                {
                    Index = upload.Index,
                    Id = id,
                    FileName = fileName,
                    ContentType = type.MediaType,
                    SizeBytes = size,
                    Sha256 = sha256,
                    SourcePath = upload.SourcePath ?? existing?.SourcePath,
                    Tags = upload.Tags ?? existing?.Tags ?? new Dictionary<string, string>(),
                    Status = DocumentStatus.Queued,
                    // Until the new version is ready, the old one's chunks stay searchable and its counts and metadata stay true.
                    Metadata = existing?.Metadata ?? new Dictionary<string, string>(),
                    Pages = existing?.Pages ?? 0,
                    PagesWithoutText = existing?.PagesWithoutText ?? 0,
                    PagesOcr = existing?.PagesOcr ?? [],
                    Warnings = existing?.Warnings ?? [],
                    Chunks = existing?.Chunks ?? 0,
                    CreatedAt = existing?.CreatedAt ?? now,
                    UpdatedAt = now,
                };
                if (twin is { } source)
                {
                    var copied = record with
                    {
                        Status = DocumentStatus.Ready,
                        Metadata = source.Record.Metadata,
                        Pages = source.Record.Pages,
                        PagesWithoutText = source.Record.PagesWithoutText,
                        Chunks = source.Chunks.Count,
                        EmbeddingModel = source.Record.EmbeddingModel,
                    };
                    // The chunk ids name the document, so the copies get this document's ids, as processing would give them.
                    await queue.CompleteDocumentAsync(copied,
                        [.. source.Chunks.Select(c => c with { ChunkId = DocumentProcessor.ChunkIdOf(copied, c.Ordinal) })], cancellationToken);
                    files.Delete(upload.Index, id, keepSha256: sha256);
                    DocQaTelemetry.ChunksReused.Add(source.Chunks.Count);
                    return new UploadResult(copied, UploadOutcome.Copied);
                }
                await store.SaveDocumentAsync(record, cancellationToken);
                signal.Notify();
                return new UploadResult(record, UploadOutcome.Accepted);
            }
        }
        finally
        {
            File.Delete(spoolPath);
        }
    }

    /// <summary>Queues a failed document again, to retry it with the file already stored.</summary>
    public async Task<DocumentRecord> RetryAsync(string index, string id, CancellationToken cancellationToken = default)
    {
        using (await writeLock.AcquireAsync(cancellationToken))
        {
            var record = await GetAsync(index, id, cancellationToken);
            if (record.Status != DocumentStatus.Failed)
                throw new RequestRejectedException(RejectionKind.Conflict, $"Document '{id}' is {record.Status.ToString().ToLowerInvariant()}, not failed.");
            await RequireQueueRoomAsync(cancellationToken);
            record = record with { Status = DocumentStatus.Queued, Error = null, Attempts = 0, UpdatedAt = clock.GetUtcNow() };
            await store.SaveDocumentAsync(record, cancellationToken);
            signal.Notify();
            return record;
        }
    }

    public async Task<IReadOnlyList<IndexSummary>> ListIndexesAsync(CancellationToken cancellationToken = default) =>
        await store.ListIndexesAsync(cancellationToken);

    public async Task<IReadOnlyList<DocumentRecord>> ListAsync(string index, CancellationToken cancellationToken = default)
    {
        RequireIndexName(index);
        return await store.ListDocumentsAsync(index, cancellationToken);
    }

    public async Task<DocumentRecord> GetAsync(string index, string id, CancellationToken cancellationToken = default)
    {
        RequireIndexName(index);
        return (DocumentIds.IsValid(id) ? await store.GetDocumentAsync(index, id, cancellationToken) : null)
            ?? throw RequestRejectedException.NotFound($"Index '{index}' has no document '{id}'.");
    }

    /// <summary>The original bytes of the document's current version.</summary>
    public async Task<(DocumentRecord Record, Stream Content)> OpenFileAsync(string index, string id, CancellationToken cancellationToken = default)
    {
        var record = await GetAsync(index, id, cancellationToken);
        var content = files.Open(index, id, record.Sha256)
            ?? throw RequestRejectedException.NotFound($"The original file of '{id}' is no longer stored.");
        return (record, content);
    }

    public async Task DeleteAsync(string index, string id, CancellationToken cancellationToken = default)
    {
        RequireIndexName(index);
        using (await writeLock.AcquireAsync(cancellationToken))
        {
            if (!DocumentIds.IsValid(id) || !await store.DeleteDocumentAsync(index, id, cancellationToken))
                throw RequestRejectedException.NotFound($"Index '{index}' has no document '{id}'.");
            files.Delete(index, id);
        }
    }

    public async Task DeleteIndexAsync(string index, CancellationToken cancellationToken = default)
    {
        RequireIndexName(index);
        using (await writeLock.AcquireAsync(cancellationToken))
        {
            await store.DeleteIndexAsync(index, cancellationToken);
            files.DeleteIndex(index);
        }
    }

    public static void RequireIndexName(string index) => IndexNames.Require(index);

    /// <summary>
    /// A ready document whose chunks this upload can take as they are: the same bytes read as the same type under the
    /// same file name (the chunker and the metadata read the name too), embedded by the model in use. Called under the write lock.
    /// </summary>
    private async Task<(DocumentRecord Record, IReadOnlyList<StoredChunk> Chunks)?> FindTwinAsync(
        string index, string id, string fileName, string contentType, string sha256, CancellationToken cancellationToken)
    {
        if (EmbeddingModel is null) return null;
        foreach (var candidate in await store.FindReadyBySha256Async(index, sha256, cancellationToken))
        {
            if (candidate.Id == id || candidate.FileName != fileName || candidate.ContentType != contentType
                || candidate.EmbeddingModel != EmbeddingModel || candidate.Chunks == 0)
                continue;
            var chunks = await store.ChunksWithVectorsAsync(index, candidate.Id, cancellationToken);
            if (chunks.Count == candidate.Chunks) return (candidate, chunks);
        }
        return null;
    }

    /// <summary>Back-pressure: a full queue refuses new work instead of growing without bound. Called under the write lock.</summary>
    private async Task RequireQueueRoomAsync(CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxQueuedDocuments;
        if (await queue.CountQueuedAsync(cancellationToken) >= limit)
            throw new RequestRejectedException(RejectionKind.Overloaded,
                $"{limit} documents are already waiting to be processed; try again later.")
            { RetryAfter = QueueFullRetryAfter };
    }

    /// <summary>Copies the upload to a spool file, hashing it on the way and refusing it once it passes the size limit.</summary>
    private async Task<(string Sha256, long Size, byte[] Head)> SpoolAsync(Stream content, string path, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUploadBytes;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var head = new MemoryStream();
        long size = 0;
        var buffer = new byte[81920];
        await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                size += read;
                if (size > limit)
                    throw new RequestRejectedException(RejectionKind.PayloadTooLarge,
                        $"The file is larger than the {limit / (1024 * 1024.0):0.#} MiB upload limit.");
                hash.AppendData(buffer, 0, read);
                if (head.Length < DocumentTypeSniff.HeadBytes) head.Write(buffer, 0, (int)Math.Min(read, DocumentTypeSniff.HeadBytes - head.Length));
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size, head.ToArray());
    }

    private static bool SameTags(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
