using DocQa.Core.Documents;
using DocQa.Hosting;
using Microsoft.Extensions.Options;

namespace DocQa.Server.Security;

/// <summary>What a key may do; each role includes the ones before it.</summary>
public enum ApiKeyRole
{
    /// <summary>Search, ask, list and read documents.</summary>
    Reader = 1,
    /// <summary>Also upload, retry and delete documents.</summary>
    Writer = 2,
    /// <summary>Also delete whole indexes.</summary>
    Admin = 3,
}

/// <summary>The Auth section: the accepted API keys (hashes only) and the anonymous escape hatch.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public List<ApiKeyOptions> Keys { get; set; } = [];

    /// <summary>
    /// With no keys configured, serve anonymously on non-loopback addresses too. Unset or false: without keys the
    /// server refuses to listen beyond loopback. Has no effect once keys are configured: then every /v1 request needs one.
    /// </summary>
    public bool AllowAnonymous { get; set; }
}

/// <summary>One key, as <c>docqa keys create</c> prints it.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Who holds the key: shown in logs and used to share out the rate limit.</summary>
    public string Name { get; set; } = "";

    /// <summary>"sha256:" and the hex SHA-256 of the key; the key itself is never stored.</summary>
    public string Hash { get; set; } = "";

    public ApiKeyRole Role { get; set; } = ApiKeyRole.Reader;

    /// <summary>The indexes the key may use; "*" means all of them.</summary>
    public List<string> Indexes { get; set; } = [];

    /// <summary>This key's own rate limit, instead of Limits:RequestsPerMinute (0 = unlimited).</summary>
    public int? RequestsPerMinute { get; set; }
}

/// <summary>Refuses a malformed Auth section at start-up, naming the faulty entry.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var where = $"{AuthOptions.Section}:Keys:{i}";
            if (string.IsNullOrWhiteSpace(key.Name))
                failures.Add($"{where}:Name is required.");
            else if (options.Keys.Take(i).Any(other => other.Name == key.Name))
                failures.Add($"{where}:Name '{key.Name}' is used by another key.");
            if (ApiKeys.ParseHash(key.Hash) is null)
                failures.Add($"{where}:Hash must be \"{ApiKeys.HashPrefix}\" followed by 64 hex digits (docqa keys create prints it).");
            if (!Enum.IsDefined(key.Role))
                failures.Add($"{where}:Role must be reader, writer or admin.");
            if (key.Indexes.Count == 0)
                failures.Add($"{where}:Indexes must name at least one index, or \"{ApiKeyAccess.AllIndexes}\".");
            foreach (var index in key.Indexes.Where(index => index != ApiKeyAccess.AllIndexes && !IndexNames.IsValid(index)))
                failures.Add($"{where}:Indexes has '{index}', which is not an index name.");
            if (key.RequestsPerMinute < 0)
                failures.Add($"{where}:RequestsPerMinute must be 0 (unlimited) or more.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
