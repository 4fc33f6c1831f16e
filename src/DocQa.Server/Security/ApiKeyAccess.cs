using System.Security.Claims;

namespace DocQa.Server.Security;

/// <summary>The claims an authenticated caller carries, and what they allow.</summary>
public static class ApiKeyAccess
{
    public const string AllIndexes = "*";
    public const string IndexClaim = "docqa:index";
    public const string RequestsPerMinuteClaim = "docqa:requests-per-minute";

    /// <summary>The caller when no keys are configured (loopback, or Auth:AllowAnonymous).</summary>
    public const string AnonymousName = "anonymous";

    public static ClaimsPrincipal Principal(string name, ApiKeyRole role, IEnumerable<string> indexes, int? requestsPerMinute, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ClaimTypes.Role, role.ToString()) };
        claims.AddRange(indexes.Select(index => new Claim(IndexClaim, index)));
        if (requestsPerMinute is { } limit) claims.Add(new Claim(RequestsPerMinuteClaim, limit.ToString(), ClaimValueTypes.Integer32));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    public static ApiKeyRole Role(this ClaimsPrincipal user) =>
        Enum.TryParse<ApiKeyRole>(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : 0;

    /// <summary>Whether the caller has at least <paramref name="role"/> on <paramref name="index"/> (any index when null).</summary>
    public static bool Allows(this ClaimsPrincipal user, ApiKeyRole role, string? index) =>
        user.Identity?.IsAuthenticated == true
        && user.Role() >= role
        && (index is null || user.FindAll(IndexClaim).Any(claim => claim.Value == AllIndexes || claim.Value == index));

    public static bool CanRead(this ClaimsPrincipal user, string index) => user.Allows(ApiKeyRole.Reader, index);

    public static bool IsAnonymous(this ClaimsPrincipal user) => user.Identity?.Name is null or AnonymousName;

    public static int? OwnRequestsPerMinute(this ClaimsPrincipal user) =>
        int.TryParse(user.FindFirstValue(RequestsPerMinuteClaim), out var limit) ? limit : null;
}
