using DocQa.Core.Ingestion;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Hosting;

namespace DocQa.Hosting;

/// <summary>
/// The server's background ingestion: loads the embedding model, resumes what a previous run left queued or
/// half done, seeds the sample documents into an empty store, then processes uploads as they arrive.
/// </summary>
public sealed class IngestionWorker(
    IngestionRunner runner,
    SampleSeeder seeder,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ModelReadiness readiness) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // let the host finish starting; the model loads in the background
        await embedder.GenerateAsync("warm up", cancellationToken: stoppingToken);
        readiness.MarkReady();

        await runner.ResumeInterruptedAsync(stoppingToken);
        await seeder.SeedIfEmptyAsync(stoppingToken);
        await runner.RunAsync(stoppingToken);
    }
}

/// <summary>Set once the embedding model has answered; the health check reports it.</summary>
public sealed class ModelReadiness
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}
