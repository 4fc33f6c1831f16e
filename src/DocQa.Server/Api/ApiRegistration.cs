using DocQa.Contracts;
using DocQa.Core.Ingestion;
using DocQa.Server.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Scalar.AspNetCore;

namespace DocQa.Server.Api;

public static class ApiRegistration
{
    /// <summary>JSON conventions, OpenAPI and request-size limits for the REST API.</summary>
    public static WebApplicationBuilder AddDocQaApi(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options => JsonDefaults.Configure(options.SerializerOptions));
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer<ApiKeySecuritySchemes>());

        // Let uploads through the server up to the configured limit (plus multipart framing); DocumentLibrary enforces the exact limit.
        var maxUpload = builder.Configuration.GetSection(IngestionOptions.Section).Get<IngestionOptions>()?.MaxUploadBytes
            ?? new IngestionOptions().MaxUploadBytes;
        var transportLimit = maxUpload + 1024 * 1024;
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = transportLimit);
        builder.Services.Configure<FormOptions>(form => form.MultipartBodyLengthLimit = transportLimit);
        return builder;
    }

    public static WebApplication MapDocQaApi(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("DocQa API"));

        // Every /v1 endpoint needs read access to its index at least (a key, once keys are configured) and counts against the key's rate.
        var v1 = app.MapGroup("/v1")
            .RequireAuthorization(IndexPolicies.Read)
            .RequireRateLimiting(SecurityRegistration.PerKeyRateLimit)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        v1.MapIndexEndpoints();
        v1.MapDocumentEndpoints();
        v1.MapQueryEndpoints();
        return app;
    }
}
