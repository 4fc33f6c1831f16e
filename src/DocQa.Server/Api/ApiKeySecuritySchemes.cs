using DocQa.Server.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DocQa.Server.Api;

/// <summary>
/// Describes the API-key authentication in the OpenAPI document, so that generated clients and the API reference
/// page know how to send a key: as a bearer token or in the X-Api-Key header, either one. While no keys are
/// configured the server takes anonymous callers (on loopback), and the document says a key is optional.
/// </summary>
internal sealed class ApiKeySecuritySchemes(ApiKeyRegistry registry) : IOpenApiDocumentTransformer
{
    public const string Bearer = "bearer";
    public const string Header = "apiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key created with `docqa keys create`, as `Authorization: Bearer <key>`.",
        };
        document.Components.SecuritySchemes[Header] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "The same API key, as `X-Api-Key: <key>`.",
        };

        // Alternatives: each requirement object is one way to satisfy the API; an empty one means none is needed.
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] });
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Header, document)] = [] });
        if (!registry.KeysRequired) document.Security.Add(new OpenApiSecurityRequirement());
        return Task.CompletedTask;
    }
}
