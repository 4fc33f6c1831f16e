using Microsoft.AspNetCore.Authorization;

namespace DocQa.Server.Security;

/// <summary>
/// The server's own administration (backups, metrics) spans every index, so it takes an admin key for all of them
/// (<c>"Indexes": ["*"]</c>); without configured keys, the loopback caller.
/// </summary>
public sealed class ServerAdminRequirement : AuthorizationHandler<ServerAdminRequirement>, IAuthorizationRequirement
{
    public const string Policy = "server-admin";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ServerAdminRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true) return Task.CompletedTask; // no key: the middleware challenges (401)
        if (context.User.Allows(ApiKeyRole.Admin, ApiKeyAccess.AllIndexes))
            context.Succeed(requirement);
        else
            context.Fail(new AuthorizationFailureReason(this,
                $"The API key '{context.User.Identity.Name}' may not administer the server: that takes an admin key for all indexes (\"*\")."));
        return Task.CompletedTask;
    }
}
