using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Ingestion;

/// <summary>
/// Brings a store to the configured embedding model after a model change: each ready document whose vectors another
/// model made is embedded again from the chunk text already stored (nothing is extracted again) and its chunks are
/// swapped in one transaction. Until then the document answers from its old vectors (see <see cref="EmbeddingSpaces"/>).
/// A document at a time: a stop in the middle leaves every document whole on one model, and the next start resumes
/// with those still to do.
/// </summary>
public sealed class Reembedder(
    IDocumentRecords store,
    IIngestionQueue queue,
    EmbeddingSpaces spaces,
    DocumentWriteLock writeLock,
    ILogger<Reembedder> logger)
{
    /// <summary>Documents of each index: how many are ready, and how many of those still carry another model's vectors.</summary>
    public ReembeddingProgress Progress { get; private set; } = ReembeddingProgress.None;

    /// <summary>
    /// Finds the models other than the current one that the store's documents carry, and lets searches use them
    /// meanwhile. Run once before serving, so that no search misses a document's vectors.
    /// </summary>
    public async Task<ReembeddingProgress> ScanAsync(CancellationToken cancellationToken = default)
    {
        var indexes = await store.ListIndexesAsync(cancellationToken);
        var byModel = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var index in indexes)
            foreach (var (model, count) in index.DocumentsByEmbeddingModel)
                byModel[model] = byModel.GetValueOrDefault(model) + count;

        spaces.SetOlderModels(byModel.Keys);
        var total = byModel.Values.Sum();
        var remaining = total - byModel.GetValueOrDefault(spaces.CurrentModel);
        Progress = new ReembeddingProgress(spaces.CurrentModel, total, remaining);
        return Progress;
    }

    /// <summary>Re-embeds every document not on the current model; returns how many were done.</summary>
    public async Task<int> RunAsync(Action<DocumentRecord>? reembedded = null, CancellationToken cancellationToken = default)
    {
        var progress = await ScanAsync(cancellationToken);
        if (progress.Remaining == 0) return 0;

        logger.LogInformation("Re-embedding {Count} of {Total} documents with {Model}", progress.Remaining, progress.Documents, spaces.CurrentModel);
        var done = 0;
        foreach (var index in await store.ListIndexesAsync(cancellationToken))
        {
            if (index.DocumentsByEmbeddingModel.All(m => m.Key == spaces.CurrentModel)) continue;
            foreach (var record in await store.ListDocumentsAsync(index.Name, cancellationToken))
            {
                if (record.Status != DocumentStatus.Ready || ModelOf(record) == spaces.CurrentModel) continue;
                if (await ReembedAsync(record, cancellationToken) is { } updated)
                {
                    done++;
                    Progress = Progress with { Remaining = Math.Max(0, Progress.Remaining - 1) };
                    reembedded?.Invoke(updated);
                }
            }
        }

        await ScanAsync(cancellationToken);
        logger.LogInformation("Re-embedded {Count} documents; {Remaining} remain on other models", done, Progress.Remaining);
        return done;
    }

    /// <summary>The model of a ready document's vectors; chunks stored before records named it are the legacy model's.</summary>
    public static string ModelOf(DocumentRecord record) => record.EmbeddingModel ?? EmbeddingSpaces.LegacyModel;

    private async Task<DocumentRecord?> ReembedAsync(DocumentRecord record, CancellationToken cancellationToken)
    {
        var chunks = await store.ChunksOfAsync(record.Index, record.Id, cancellationToken);
        if (chunks.Count == 0) return null;

        var vectors = new List<ReadOnlyMemory<float>>(chunks.Count);
        foreach (var batch in chunks.Chunk(IngestionOptions.ChunksPerEmbeddingCall))
        {
            var embeddings = await spaces.Current.GenerateAsync(batch.Select(c => c.EmbeddingText), cancellationToken: cancellationToken);
            vectors.AddRange(embeddings.Select(e => e.Vector));
        }

        using (await writeLock.AcquireAsync(cancellationToken))
        {
            // Deleted, replaced or re-uploaded meanwhile: the newer state wins, and it has its own vectors.
            var current = await store.GetDocumentAsync(record.Index, record.Id, cancellationToken);
            if (current is null || current.Sha256 != record.Sha256 || current.Status != DocumentStatus.Ready
                || current.EmbeddingModel != record.EmbeddingModel)
                return null;

            var updated = current with { EmbeddingModel = spaces.CurrentModel };
            await queue.CompleteDocumentAsync(updated, [.. chunks.Select((c, i) => c with { Vector = vectors[i] })], cancellationToken);
            return updated;
        }
    }
}

/// <summary>Where a model change stands: ready documents in all, and how many still carry another model's vectors.</summary>
public sealed record ReembeddingProgress(string Model, int Documents, int Remaining)
{
    public static ReembeddingProgress None { get; } = new("", 0, 0);

    public bool InProgress => Remaining > 0;
}
