using DocQa.Contracts;
using DocQa.Core.Ingestion;
using DocQa.Server.OpenAi;
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
        // A body that does not bind (bad JSON, a string for a number) reaches the problem handler, which says what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer<ApiKeySecuritySchemes>().AddDocumentTransformer<ClientGeneratorConventions>());
        // Ahead of the default writer: errors on the OpenAI-compatible routes take OpenAI's shape.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, OpenAiErrorWriter>());

        // Every request body is small (Limits:MaxJsonBodyBytes) unless its endpoint says otherwise: only uploads do,
        // up to the configured limit plus multipart framing (DocumentLibrary enforces the exact limit).
        var maxJson = builder.Configuration.GetSection(LimitsOptions.Section).Get<LimitsOptions>()?.MaxJsonBodyBytes
            ?? new LimitsOptions().MaxJsonBodyBytes;
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = maxJson);
        builder.Services.Configure<FormOptions>(form => form.MultipartBodyLengthLimit = UploadTransportLimit(builder.Configuration));
        return builder;
    }

    /// <summary>The largest upload request: the document limit plus room for the multipart framing and fields.</summary>
    public static long UploadTransportLimit(IConfiguration configuration)
    {
        var maxUpload = configuration.GetSection(IngestionOptions.Section).Get<IngestionOptions>()?.MaxUploadBytes
            ?? new IngestionOptions().MaxUploadBytes;
        return maxUpload + 1024 * 1024;
    }

    public static WebApplication MapDocQaApi(this WebApplication app)
    {
        app.MapOpenApi();
        // Scalar in the system's fonts: its default web fonts would be fetched from outside, and no request leaves the server.
        app.MapScalarApiReference(options => options.WithTitle("DocQa API").DisableDefaultFonts());

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
        v1.MapChatCompletionEndpoints();
        v1.MapAdminEndpoints();
        return app;
    }
}
