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

        DescribeUploadForm(document);
        // Bodies that are not JSON: files come as bytes, and a streamed answer as Server-Sent Events beside the JSON one.
        var bytes = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        AddContent(document, "getDocumentFile", "application/octet-stream", bytes);
        AddContent(document, "backupStore", AdminEndpoints.BackupContentType, bytes);
        var events = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Server-Sent Events, with \"stream\": true." };
        AddContent(document, "ask", "text/event-stream", events);
        AddContent(document, "createChatCompletion", "text/event-stream", events);
        return Task.CompletedTask;
    }

    private static void AddContent(OpenApiDocument document, string operationId, string mediaType, OpenApiSchema schema)
    {
        var operation = document.Paths?.Values.SelectMany(path => path.Operations?.Values.AsEnumerable() ?? []).FirstOrDefault(o => o.OperationId == operationId);
        if (operation?.Responses?.GetValueOrDefault("200") is not OpenApiResponse ok) return;
        ok.Content ??= new Dictionary<string, OpenApiMediaType>();
        ok.Content[mediaType] = new OpenApiMediaType { Schema = schema };
    }

    /// <summary>
    /// The upload endpoint reads its form itself (to answer a timed-out upload while it arrives), so the form's fields
    /// are described here: a generated client then sends "file", "id" and "tags" as the server reads them.
    /// </summary>
    private static void DescribeUploadForm(OpenApiDocument document)
    {
        if (document.Paths?.GetValueOrDefault(DocumentEndpoints.CollectionRoute)?.Operations?.GetValueOrDefault(HttpMethod.Post) is not { } upload) return;
        upload.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "file" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The document (PDF, Word, HTML, Markdown or text)." },
                            ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The document's id; by default derived from the file name." },
                            ["tags"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Array,
                                Items = new OpenApiSchema { Type = JsonSchemaType.String },
                                Description = "Tags as key:value, one per field.",
                            },
                        },
                    },
                },
            },
        };
        document.Components?.Schemas?.Remove("IFormFile"); // described above; nothing else refers to it
    }
}
