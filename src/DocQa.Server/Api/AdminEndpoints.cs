using DocQa.Hosting.Backup;
using DocQa.Server.Security;
using Microsoft.AspNetCore.Http.Timeouts;

namespace DocQa.Server.Api;

public static class AdminEndpoints
{
    public const string BackupContentType = "application/gzip";

    public static RouteGroupBuilder MapAdminEndpoints(this RouteGroupBuilder v1)
    {
        var admin = v1.MapGroup("/admin").WithTags("Admin").RequireAuthorization(ServerAdminRequirement.Policy);

        admin.MapPost("/backup", async (StoreBackupService backup, CancellationToken ct) =>
        {
            // The snapshot is taken before the response starts, so a refusal is still a problem response.
            var staged = await backup.StageAsync(ct);
            return Results.Stream(async output =>
            {
                using (staged) await staged.WriteAsync(output, ct);
            }, BackupContentType, $"docqa-backup-{staged.Manifest.CreatedAt:yyyyMMdd-HHmmss}.tar.gz");
        }).WithName("backupStore")
          .Produces(StatusCodes.Status200OK) // the archive's media type: see ClientGeneratorConventions
          .ProducesProblem(StatusCodes.Status409Conflict)
          .WithSummary("Backs up the embedded store while it serves: a .tar.gz of manifest.json, docqa.db (SQLite's online backup) and the original files (server admin keys).")
          .DisableRequestTimeout(); // a large store takes as long as it takes to copy

        return v1;
    }
}
