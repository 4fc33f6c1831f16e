using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using DocQa.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace DocQa.Server.Security;

/// <summary>The configured keys, with their hashes decoded once.</summary>
public sealed class ApiKeyRegistry(IOptions<AuthOptions> options)
{
    private readonly (ApiKeyOptions Key, byte[] Hash)[] _keys =
        options.Value.Keys.Select(key => (key, ApiKeys.ParseHash(key.Hash)!)).ToArray();

    /// <summary>False when no keys are configured: callers are anonymous (on loopback, or with Auth:AllowAnonymous).</summary>
    public bool KeysRequired => _keys.Length > 0;

    public ApiKeyOptions? Find(string presented)
    {
        var hash = ApiKeys.HashBytes(presented);
        ApiKeyOptions? found = null;
        // Every entry is compared, in constant time, so the timing tells nothing about which hashes are close.
        foreach (var (key, expected) in _keys)
            if (CryptographicOperations.FixedTimeEquals(hash, expected)) found ??= key;
        return found;
    }
}

/// <summary>
/// Authenticates a request by its API key, sent as "Authorization: Bearer &lt;key&gt;" or "X-Api-Key: &lt;key&gt;".
/// No key: no result (endpoints that need one answer 401). Wrong key: failure (401 saying so).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRegistry registry) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private const string MissingKey =
        "This server needs an API key: send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.";

    private static readonly string[] Everything = [ApiKeyAccess.AllIndexes];

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!registry.KeysRequired)
            return Task.FromResult(Success(ApiKeyAccess.Principal(ApiKeyAccess.AnonymousName, ApiKeyRole.Admin, Everything, null, SchemeName)));

        var presented = PresentedKey(Request.Headers);
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());
        var key = registry.Find(presented);
        if (key is null)
        {
            Logger.LogWarning("Refused an unknown API key from {RemoteAddress}", Context.Connection.RemoteIpAddress);
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }
        return Task.FromResult(Success(ApiKeyAccess.Principal(key.Name, key.Role, key.Indexes, key.RequestsPerMinute, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer";
        await ProblemResponses.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized", result.Failure?.Message ?? MissingKey);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ProblemResponses.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden", $"The API key '{Context.User.Identity?.Name}' may not do this.");

    private static AuthenticateResult Success(ClaimsPrincipal principal) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));

    private static string? PresentedKey(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return authorization["Bearer ".Length..].Trim() is { Length: > 0 } bearer ? bearer : null;
        return headers[HeaderName].ToString() is { Length: > 0 } header ? header.Trim() : null;
    }
}
