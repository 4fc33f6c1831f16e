using System.Text.Json;
using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DocQa.Server;

/// <summary>What every DocQa host gets: problem details for errors, health checks and OpenTelemetry.</summary>
public static class ServiceDefaults
{
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = ExplainBodyTooLarge);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddHealthChecks().AddCheck<EmbeddingModelHealthCheck>("embedding-model");

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(DocQaTelemetry.Name).AddAspNetCoreInstrumentation())
            .WithMetrics(metrics => metrics.AddMeter(DocQaTelemetry.Name).AddAspNetCoreInstrumentation());
        // Export only where a collector is configured: nothing leaves the machine by default.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
        return builder;
    }

    /// <summary>The server's own 413 (a body over the endpoint's limit, refused while it is read) says what the limit is.</summary>
    private static void ExplainBodyTooLarge(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status != StatusCodes.Status413PayloadTooLarge || context.ProblemDetails.Detail is not null) return;
        var limit = context.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        context.ProblemDetails.Detail = limit is null
            ? "The request body is too large."
            : $"The request body is larger than this endpoint takes: at most {limit} bytes (Limits:MaxJsonBodyBytes for JSON, Ingestion:MaxUploadBytes for uploads).";
    }

    /// <summary>GET /health: 200 once the embedding model is loaded, 503 before.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        return app;
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString().ToLowerInvariant(), description = entry.Value.Description, data = entry.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}

/// <summary>Healthy once the embedding model has been loaded and has answered.</summary>
public sealed class EmbeddingModelHealthCheck(ModelReadiness readiness, IEmbeddingGenerator<string, Embedding<float>> embedder, AskService ask) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
        var data = new Dictionary<string, object>
        {
            ["model"] = metadata?.DefaultModelId ?? "unknown",
            ["dimensions"] = metadata?.DefaultModelDimensions ?? 0,
            ["answerMode"] = ask.Mode,
            ["answerModel"] = ask.ModelName ?? "none",
        };
        return Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy("embedding model loaded", data)
            : HealthCheckResult.Unhealthy("embedding model loading", data: data));
    }
}
