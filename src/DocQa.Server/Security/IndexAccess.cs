using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace DocQa.Server.Security;

/// <summary>The caller needs at least this role on the index named by the route's {index} (or on any index, where the route has none).</summary>
public sealed class IndexAccessRequirement(ApiKeyRole role) : IAuthorizationRequirement
{
    public ApiKeyRole Role { get; } = role;
}

public sealed class IndexAccessHandler : AuthorizationHandler<IndexAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, IndexAccessRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true) return Task.CompletedTask; // no key: the middleware challenges (401)

        var index = (context.Resource as HttpContext)?.GetRouteValue("index") as string;
        if (context.User.Allows(requirement.Role, index))
            context.Succeed(requirement);
        else
            context.Fail(new AuthorizationFailureReason(this, Refusal(context.User.Identity.Name, requirement.Role, index)));
        return Task.CompletedTask;
    }

    private static string Refusal(string? keyName, ApiKeyRole role, string? index)
    {
        var action = role switch
        {
            ApiKeyRole.Admin => "manage",
            ApiKeyRole.Writer => "change",
            _ => "read",
        };
        return index is null
            ? $"The API key '{keyName}' may not {action} indexes."
            : $"The API key '{keyName}' may not {action} index '{index}'.";
    }
}

/// <summary>Index access policies: every /v1 endpoint names the role it needs.</summary>
public static class IndexPolicies
{
    public const string Read = "index-read";
    public const string Write = "index-write";
    public const string Manage = "index-manage";

    public static AuthorizationBuilder AddIndexPolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(Read, policy => policy.AddRequirements(new IndexAccessRequirement(ApiKeyRole.Reader)))
        .AddPolicy(Write, policy => policy.AddRequirements(new IndexAccessRequirement(ApiKeyRole.Writer)))
        .AddPolicy(Manage, policy => policy.AddRequirements(new IndexAccessRequirement(ApiKeyRole.Admin)))
        .AddPolicy(ServerAdminRequirement.Policy, policy => policy.AddRequirements(new ServerAdminRequirement()));
}

/// <summary>A 403 says which index the key may not use (the reason the requirement gave), as a problem body.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault() is { } reason)
            return ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", reason.Message);
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
