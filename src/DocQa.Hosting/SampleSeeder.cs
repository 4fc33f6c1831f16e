using DocQa.Core;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocQa.Hosting;

/// <summary>On first start, with an empty store, queues the sample documents so that a new user has something to ask about.</summary>
public sealed class SampleSeeder(DocumentLibrary library, IOptions<IngestionOptions> options, string contentRoot, ILogger<SampleSeeder> logger)
{
    public async Task SeedIfEmptyAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.SeedSamples) return;
        var folder = Path.GetFullPath(Path.Combine(contentRoot, options.Value.SamplesDirectory));
        if (!Directory.Exists(folder)) return;
        var indexes = await library.ListIndexesAsync(cancellationToken);
        if (indexes.Any(index => index.Documents > 0)) return;

        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            try
            {
                await using var content = File.OpenRead(path);
                await library.SubmitAsync(new Upload(IndexNames.Default, Path.GetFileName(path), content,
                    Tags: new Dictionary<string, string> { ["source"] = "sample" }), cancellationToken);
            }
            catch (RequestRejectedException e)
            {
                logger.LogWarning("Sample {File} skipped: {Reason}", path, e.Message);
            }
        }
        logger.LogInformation("Queued the sample documents from {Folder}", folder);
    }
}
