using DocQa.Contracts;
using DocQa.Core.Ingestion;

namespace DocQa.Server.Api;

public static class IndexEndpoints
{
    public static RouteGroupBuilder MapIndexEndpoints(this RouteGroupBuilder v1)
    {
        var indexes = v1.MapGroup("/indexes").WithTags("Indexes");

        indexes.MapGet("/", async (DocumentLibrary library, CancellationToken ct) =>
        {
            return new IndexListDto((await library.ListIndexesAsync(ct)).Select(IndexDto.From).ToList());
        }).WithSummary("Lists the indexes with their document and chunk counts.");

        indexes.MapDelete("/{index}", async (string index, DocumentLibrary library, CancellationToken ct) =>
        {
            await library.DeleteIndexAsync(index, ct);
            return Results.NoContent();
        }).WithSummary("Deletes an index with all its documents.");

        return v1;
    }
}
