using System.Diagnostics;
using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Extraction;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Core.Understanding;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Ingestion;

/// <summary>
/// Turns one queued document into searchable chunks: extract, chunk, embed, store — or marks it failed with the reason.
/// Its metadata (title, organisation, type, period) is read from the extracted text on the way.
/// </summary>
public sealed class DocumentProcessor(
    IDocumentRecords store,
    IIngestionQueue queue,
    IFileStore files,
    DocumentPreparation preparation,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    DocumentWriteLock writeLock,
    IOptions<IngestionOptions> options,
    TimeProvider clock,
    ILogger<DocumentProcessor> logger,
    IClaimLeases? leases = null)
{
    /// <summary>Processes a document claimed from the queue and returns its final record.</summary>
    public async Task<DocumentRecord> ProcessAsync(DocumentRecord record, CancellationToken cancellationToken = default)
    {
        using var activity = DocQaTelemetry.Source.StartActivity("ingest");
        activity?.SetTag("docqa.index", record.Index);
        activity?.SetTag("docqa.document", record.Id);
        var clockStart = Stopwatch.GetTimestamp();

        if (record.Attempts > options.Value.MaxAttempts)
        {
            var interruptions = record.Attempts - 1;
            return await FailAsync(record,
                $"processing was interrupted {interruptions} time{(interruptions == 1 ? "" : "s")}; the document may crash the extractor", cancellationToken);
        }

        await using var renewal = ClaimRenewal.Start(leases, record, clock, logger, cancellationToken);
        try
        {
            var (extracted, chunks) = await ExtractAndChunkAsync(record, cancellationToken);
            var vectors = await EmbedAsync(chunks, cancellationToken);

            var stored = new StoredChunk[chunks.Count];
            for (var i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                stored[i] = new StoredChunk(ChunkIdOf(record, chunk.Ordinal), chunk.Ordinal, chunk.Text, chunk.Heading, chunk.Page, chunk.PageEnd, vectors[i])
                {
                    LeadLength = chunk.LeadLength,
                };
            }

            var ready = record with
            {
                Status = DocumentStatus.Ready,
                Error = null,
                Metadata = MetadataReader.Read(extracted, record.FileName),
                Pages = extracted.Pages,
                PagesWithoutText = extracted.PagesWithoutText,
                PagesOcr = extracted.PagesOcr,
                Warnings = extracted.Warnings,
                Chunks = stored.Length,
                EmbeddingModel = EmbeddingSpaces.ModelOf(embedder),
                UpdatedAt = clock.GetUtcNow(),
            };
            using (await writeLock.AcquireAsync(cancellationToken))
            {
                if (!await IsCurrentAsync(record, cancellationToken))
                    return record; // deleted or replaced by a newer upload meanwhile: the newer state wins
                await queue.CompleteDocumentAsync(ready, stored, cancellationToken);
                files.Delete(record.Index, record.Id, keepSha256: record.Sha256);
            }

            DocQaTelemetry.DocumentsIngested.Add(1);
            DocQaTelemetry.ChunksEmbedded.Add(stored.Length);
            DocQaTelemetry.PagesExtracted.Add(ready.Pages);
            logger.LogInformation("Ingested {Index}/{Id}: {Pages} pages, {Chunks} chunks in {Ms:0} ms",
                record.Index, record.Id, ready.Pages, ready.Chunks, Stopwatch.GetElapsedTime(clockStart).TotalMilliseconds);
            return ready;
        }
        catch (ExtractionException e)
        {
            return await FailAsync(record, e.Message, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Ingesting {Index}/{Id} failed", record.Index, record.Id);
            return await FailAsync(record, $"processing failed: {e.Message}", cancellationToken);
        }
    }

    /// <summary>Chunk ids carry the content version, so a new version's chunks never collide with the old ones.</summary>
    public static string ChunkIdOf(DocumentRecord record, int ordinal) => $"{record.Index}:{record.Id}:{record.Sha256[..12]}:{ordinal}";

    private async Task<PreparedDocument> ExtractAndChunkAsync(DocumentRecord record, CancellationToken cancellationToken)
    {
        await using var content = files.Open(record.Index, record.Id, record.Sha256)
            ?? throw new ExtractionException("the uploaded file is missing from the data directory");
        return await preparation.PrepareAsync(content, record.FileName, cancellationToken);
    }

    private async Task<ReadOnlyMemory<float>[]> EmbedAsync(IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken)
    {
        var vectors = new ReadOnlyMemory<float>[chunks.Count];
        var batchSize = IngestionOptions.ChunksPerEmbeddingCall;
        for (var start = 0; start < chunks.Count; start += batchSize)
        {
            var batch = chunks.Skip(start).Take(batchSize).Select(c => c.EmbeddingText).ToList();
            var runStart = Stopwatch.GetTimestamp();
            var embeddings = await embedder.GenerateAsync(batch, cancellationToken: cancellationToken);
            DocQaTelemetry.EmbeddingDuration.RecordSince(runStart, new("docqa.purpose", "ingestion"));
            for (var i = 0; i < embeddings.Count; i++) vectors[start + i] = embeddings[i].Vector;
        }
        return vectors;
    }

    private async Task<DocumentRecord> FailAsync(DocumentRecord record, string reason, CancellationToken cancellationToken)
    {
        DocQaTelemetry.DocumentsFailed.Add(1);
        logger.LogWarning("Document {Index}/{Id} failed: {Reason}", record.Index, record.Id, reason);
        var failed = record with { Status = DocumentStatus.Failed, Error = reason, UpdatedAt = clock.GetUtcNow() };
        using (await writeLock.AcquireAsync(cancellationToken))
        {
            if (await IsCurrentAsync(record, cancellationToken))
                await store.SaveDocumentAsync(failed, cancellationToken);
        }
        return failed;
    }

    private async Task<bool> IsCurrentAsync(DocumentRecord record, CancellationToken cancellationToken)
    {
        var current = await store.GetDocumentAsync(record.Index, record.Id, cancellationToken);
        return current is not null && current.Sha256 == record.Sha256 && current.Status == DocumentStatus.Processing;
    }
}
