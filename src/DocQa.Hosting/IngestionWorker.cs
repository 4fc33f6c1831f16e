using DocQa.Core.Ingestion;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DocQa.Hosting;

/// <summary>
/// The server's background ingestion: loads the embedding model, resumes what a previous run left queued or
/// half done, seeds the sample documents into an empty store, then processes uploads as they arrive. Beside them,
/// documents whose vectors another embedding model made are re-embedded with the configured one.
/// </summary>
public sealed class IngestionWorker(
    IngestionRunner runner,
    SampleSeeder seeder,
    Reembedder reembedder,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ModelReadiness readiness,
    ILogger<IngestionWorker> logger) : BackgroundService
{
    private static readonly TimeSpan RetryReembedding = TimeSpan.FromMinutes(1);

    /// <summary>Before the server takes requests: which models the stored vectors are of, so every search can use them.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await reembedder.ScanAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // let the host finish starting; the model loads in the background
        await embedder.GenerateAsync("warm up", cancellationToken: stoppingToken);
        readiness.MarkReady();

        await runner.ResumeInterruptedAsync(stoppingToken);
        await seeder.SeedIfEmptyAsync(stoppingToken);
        await Task.WhenAll(runner.RunAsync(stoppingToken), ReembedAsync(stoppingToken));
    }

    private async Task ReembedAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await reembedder.RunAsync(cancellationToken: stoppingToken);
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Re-embedding with the configured model failed; retrying in {Delay}", RetryReembedding);
                await Task.Delay(RetryReembedding, stoppingToken);
            }
        }
    }
}

/// <summary>Set once the embedding model has answered; the health check reports it.</summary>
public sealed class ModelReadiness
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}
