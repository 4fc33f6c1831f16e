using DocQa.Core;
using DocQa.Server.Security;
using OpenTelemetry.Metrics;

namespace DocQa.Server.Metrics;

/// <summary>
/// GET /metrics in Prometheus' text format, through OpenTelemetry's Prometheus exporter: per-route request rates and
/// latencies (ASP.NET Core's <c>http.server.request.duration</c>), DocQa's own meter (ingestion, embedding, generation,
/// tokens, refused requests) and the store's gauges. Behind a server admin key, like the backup.
/// </summary>
public static class MetricsRegistration
{
    public const string Route = "/metrics";

    public static WebApplicationBuilder AddDocQaMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StoreGauges>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());
        return builder;
    }

    public static WebApplication MapDocQaMetrics(this WebApplication app)
    {
        // The gauges observe the store from the first scrape on.
        app.Services.GetRequiredService<StoreGauges>();
        app.MapPrometheusScrapingEndpoint(Route).RequireAuthorization(ServerAdminRequirement.Policy);
        return app;
    }

    /// <summary>Outermost: counts every refused request, whichever part of the pipeline refused it.</summary>
    public static WebApplication UseDocQaRejectionCounter(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                var status = context.Response.StatusCode;
                if (status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
                    or StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
                    DocQaTelemetry.RequestsRejected.Add(1, new KeyValuePair<string, object?>("http.response.status_code", status));
            }
        });
        return app;
    }
}
