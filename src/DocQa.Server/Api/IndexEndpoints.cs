using DocQa.Contracts;
using System.Security.Claims;
using DocQa.Core.Ingestion;
using DocQa.Server.Security;

namespace DocQa.Server.Api;

public static class IndexEndpoints
{
    public static RouteGroupBuilder MapIndexEndpoints(this RouteGroupBuilder v1)
    {
        var indexes = v1.MapGroup("/indexes").WithTags("Indexes");

        indexes.MapGet("/", async (DocumentLibrary library, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var readable = (await library.ListIndexesAsync(ct)).Where(index => user.CanRead(index.Name));
            return new IndexListDto(readable.Select(IndexDto.From).ToList());
        }).WithName("listIndexes")
          .WithSummary("Lists the indexes the caller may read, with their document and chunk counts.");

        indexes.MapDelete("/{index}", async (string index, DocumentLibrary library, CancellationToken ct) =>
        {
            await library.DeleteIndexAsync(index, ct);
            return Results.NoContent();
        }).RequireAuthorization(IndexPolicies.Manage)
          .WithName("deleteIndex")
          .Produces(StatusCodes.Status204NoContent)
          .WithSummary("Deletes an index with all its documents (admin keys).");

        return v1;
    }
}
