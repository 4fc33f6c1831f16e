using DocQa.Contracts;
using DocQa.Core;
using DocQa.Core.Ingestion;
using DocQa.Server.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace DocQa.Server.Api;

public static class DocumentEndpoints
{
    // A citation link opens these at the cited page; HTML and the rest download, so an uploaded page never runs as this server's own.
    private static readonly HashSet<string> OpensInBrowser = ["application/pdf", "text/plain"];

    private const int MaxSourcePathLength = 4096;
    /// <summary>The documents of an index, as the OpenAPI document names the route.</summary>
    public const string CollectionRoute = "/v1/indexes/{index}/documents";

    public static RouteGroupBuilder MapDocumentEndpoints(this RouteGroupBuilder v1)
    {
        var configuration = ((IEndpointRouteBuilder)v1).ServiceProvider.GetRequiredService<IConfiguration>();
        var documents = v1.MapGroup("/indexes/{index}/documents").WithTags("Documents");

        documents.MapPost("/", UploadAsync)
            .WithName("uploadDocument")
            .RequireAuthorization(IndexPolicies.Write)
            .WithMetadata(new RequestSizeLimitAttribute(ApiRegistration.UploadTransportLimit(configuration)))
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<DocumentDto>(StatusCodes.Status202Accepted)
            .Produces<DocumentDto>(StatusCodes.Status201Created)
            .Produces<DocumentDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Uploads a document (multipart: file, optional id, repeatable tags key:value, optional sourcePath); it is processed in the background, or ready at once (201) when a ready document of the same name holds the same bytes.");

        documents.MapGet("/", async (string index, DocumentLibrary library, CancellationToken ct) =>
            new DocumentListDto((await library.ListAsync(index, ct)).Select(DocumentDto.From).ToList()))
            .WithName("listDocuments")
            .WithSummary("Lists the documents of an index.");

        documents.MapGet("/{id}", async (string index, string id, DocumentLibrary library, CancellationToken ct) =>
            DocumentDto.From(await library.GetAsync(index, id, ct)))
            .WithName("getDocument")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A document's record: status, error, pages, chunks.");

        documents.MapGet("/{id}/file", async (string index, string id, HttpResponse response, DocumentLibrary library, CancellationToken ct) =>
        {
            var (record, content) = await library.OpenFileAsync(index, id, ct);
            response.Headers.XContentTypeOptions = "nosniff";
            // Whatever the file holds, nothing in it runs or loads, and it never shares this server's origin.
            response.Headers.ContentSecurityPolicy = SecurityHeaders.UploadedFilePolicy;
            if (!OpensInBrowser.Contains(record.ContentType))
                return Results.Stream(content, record.ContentType, record.FileName, enableRangeProcessing: true);
            var disposition = new ContentDispositionHeaderValue("inline");
            disposition.SetHttpFileName(record.FileName);
            response.Headers.ContentDisposition = disposition.ToString();
            return Results.Stream(content, record.ContentType, enableRangeProcessing: true);
        }).WithName("getDocumentFile")
          .Produces(StatusCodes.Status200OK) // bytes: see ClientGeneratorConventions
          .ProducesProblem(StatusCodes.Status404NotFound)
          .WithSummary("The original file as uploaded: PDFs and plain text open in the browser (a PDF at #page=N), other types download.");

        documents.MapDelete("/{id}", async (string index, string id, DocumentLibrary library, CancellationToken ct) =>
        {
            await library.DeleteAsync(index, id, ct);
            return Results.NoContent();
        }).RequireAuthorization(IndexPolicies.Write)
          .WithName("deleteDocument")
          .Produces(StatusCodes.Status204NoContent)
          .ProducesProblem(StatusCodes.Status404NotFound)
          .WithSummary("Deletes a document; its passages are never returned again.");

        documents.MapPost("/{id}/retry", async (string index, string id, DocumentLibrary library, CancellationToken ct) =>
        {
            var record = await library.RetryAsync(index, id, ct);
            return Results.Accepted($"/v1/indexes/{index}/documents/{record.Id}", DocumentDto.From(record));
        }).RequireAuthorization(IndexPolicies.Write)
          .WithName("retryDocument")
          .Produces<DocumentDto>(StatusCodes.Status202Accepted)
          .ProducesProblem(StatusCodes.Status404NotFound)
          .ProducesProblem(StatusCodes.Status409Conflict)
          .WithSummary("Queues a failed document again.");

        return v1;
    }

    private static async Task<IResult> UploadAsync(string index, HttpRequest request, DocumentLibrary library, IOptions<LimitsOptions> limits, CancellationToken ct)
    {
        DocumentLibrary.RequireIndexName(index);
        if (!request.HasFormContentType)
            throw RequestRejectedException.BadRequest("Send the document as multipart/form-data with a 'file' field.");
        if (await ReadFormAsync(request, limits.Value, ct) is not { } form)
            return Results.Empty; // timed out: the 504 is sent
        var file = form.Files.GetFile("file");
        if (file is null || form.Files.Count(f => f.Name == "file") != 1)
            throw RequestRejectedException.BadRequest("Send exactly one 'file' field.");

        var tags = DocumentTags.Parse(form["tags"]);
        string? id = form["id"];
        var sourcePath = SourcePathOf(form["sourcePath"]);
        await using var content = file.OpenReadStream();
        var result = await library.SubmitAsync(new Upload(index, file.FileName, content, id, tags.Count > 0 ? tags : null) { SourcePath = sourcePath }, ct);

        var dto = DocumentDto.From(result.Document);
        var location = $"/v1/indexes/{index}/documents/{result.Document.Id}";
        return result.Outcome switch
        {
            UploadOutcome.Unchanged => Results.Ok(dto),
            UploadOutcome.Copied => Results.Created(location, dto),
            _ => Results.Accepted(location, dto),
        };
    }

    /// <summary>The optional sourcePath field: a label of where the file lives on the client, kept as given.</summary>
    private static string? SourcePathOf(string? sourcePath)
    {
        if (string.IsNullOrWhiteSpace(sourcePath)) return null;
        if (sourcePath.Length > MaxSourcePathLength || sourcePath.Any(char.IsControl))
            throw RequestRejectedException.BadRequest($"'sourcePath' must be at most {MaxSourcePathLength} characters, without control characters.");
        return sourcePath;
    }

    /// <summary>
    /// The upload's form. It is read without the request's timeout token: cancelling the read mid-upload would leave
    /// bytes unread on the connection, and the reset that follows loses the 504 before the client reads it. Instead,
    /// at the timeout the 504 is sent while the upload goes on, and the rest of the body is read and dropped until the
    /// client, having its answer, stops sending. Null when it timed out.
    /// </summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpRequest request, LimitsOptions limits, CancellationToken ct)
    {
        var reading = request.ReadFormAsync(CancellationToken.None);
        try
        {
            return await reading.WaitAsync(ct);
        }
        catch (InvalidDataException malformed)
        {
            // Too many fields, an oversized part header, broken framing: the form's own limits, refused before anything is stored.
            throw RequestRejectedException.BadRequest($"The multipart form cannot be read: {malformed.Message}");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            var response = request.HttpContext.Response;
            response.Headers.Connection = "close";
            await ProblemResponses.TimedOutAsync(request.HttpContext, limits.RequestTimeoutSeconds);
            await response.CompleteAsync();
            try
            {
                await reading;
            }
            catch (Exception dropped) when (dropped is IOException or InvalidDataException or OperationCanceledException)
            {
                // the client stopped sending, or its body broke off: either way nothing is stored
            }
            return null;
        }
    }
}
