using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace DocQa.Hosting;

/// <summary>
/// The API key format shared by the server, which checks keys, and the CLI, which creates them: a random key is
/// shown once, and only its SHA-256 hash ("sha256:&lt;hex&gt;") goes into the configuration.
/// </summary>
public static class ApiKeys
{
    public const string HashPrefix = "sha256:";
    private const string KeyPrefix = "dqa_";

    /// <summary>A new key: 256 random bits, URL-safe so it fits a header or an environment variable as is.</summary>
    public static string Generate() => KeyPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The configuration form of a key's hash.</summary>
    public static string Hash(string key) => HashPrefix + Convert.ToHexStringLower(HashBytes(key));

    public static byte[] HashBytes(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The 32 hash bytes of a configured "sha256:&lt;hex&gt;" value; null when it is not one.</summary>
    public static byte[]? ParseHash(string? configured)
    {
        if (configured is null || !configured.StartsWith(HashPrefix, StringComparison.OrdinalIgnoreCase)) return null;
        var hex = configured[HashPrefix.Length..];
        if (hex.Length != 64) return null;
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
