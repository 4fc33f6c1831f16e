using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DocQa.Contracts;
using DocQa.Server.Security;

namespace DocQa.Server.Mcp;

/// <summary>DocQa as a Model Context Protocol server at /mcp (streamable HTTP), for agents that speak MCP.</summary>
public static class McpRegistration
{
    public const string Route = "/mcp";

    private const string Instructions =
        "DocQa answers questions from the documents stored in its indexes. Use 'ask' for a direct answer with numbered " +
        "citations, 'search' to read the best-matching passages yourself, 'get_passage' to read a whole page around a " +
        "passage, and 'list_indexes' / 'list_documents' to see what can be searched. Most tools take an index; it is " +
        "\"default\" when not given.";

    /// <summary>The REST API's JSON conventions (camelCase, enums as strings), so tool results read like its responses.</summary>
    private static readonly JsonSerializerOptions ToolJson = new(JsonDefaults.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    public static WebApplicationBuilder AddDocQaMcp(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DocumentPages>();
        builder.Services
            .AddMcpServer(options =>
            {
                options.ServerInfo = new() { Name = "docqa", Version = typeof(McpRegistration).Assembly.GetName().Version?.ToString() ?? "dev" };
                options.ServerInstructions = Instructions;
            })
            // Stateless: every request stands alone and carries its own API key, as on the REST API.
            .WithHttpTransport(transport => transport.Stateless = true)
            .WithTools<DocQaTools>(ToolJson);
        return builder;
    }

    /// <summary>The same keys, scopes and per-key rate as /v1; each tool checks the key may read the index it names.</summary>
    public static WebApplication MapDocQaMcp(this WebApplication app)
    {
        app.MapMcp(Route)
            .RequireAuthorization(IndexPolicies.Read)
            .RequireRateLimiting(SecurityRegistration.PerKeyRateLimit);
        return app;
    }
}
