using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DocQa.Server.Api;

/// <summary>
/// What client generators and API linters look for beyond the endpoints themselves: a title and licence, a server
/// URL without a trailing slash (generators join paths to it), and a description for each tag (generators name
/// client classes after tags). Operation ids come from each endpoint's name (<c>WithName</c>).
/// </summary>
internal sealed class ClientGeneratorConventions : IOpenApiDocumentTransformer
{
    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Indexes"] = "Collections of documents; an index exists once its first document is uploaded.",
        ["Documents"] = "Upload documents, follow their processing (queued, processing, ready or failed), fetch and delete them.",
        ["Query"] = "Search an index's passages and ask questions answered from them, with citations.",
        ["Server"] = "Versions and the models the server runs with.",
        ["OpenAI-compatible"] = "The chat completions and models endpoints of the OpenAI API, answered from an index.",
        ["Admin"] = "Server administration (an admin key for all indexes): backups.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "DocQa API";
        document.Info.Description = "Answers questions over your documents, with citations down to the page. " +
            "Errors are RFC 9457 problem details.";
        document.Info.License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" };

        foreach (var server in document.Servers ?? [])
            server.Url = server.Url?.TrimEnd('/');

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            if (tag.Name is not null && TagDescriptions.TryGetValue(tag.Name, out var description))
                tag.Description = description;
        return Task.CompletedTask;
    }
}
