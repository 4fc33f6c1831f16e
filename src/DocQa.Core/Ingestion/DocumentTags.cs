using System.Text.RegularExpressions;

namespace DocQa.Core.Ingestion;

/// <summary>Parses and checks document tags given as "key:value".</summary>
public static partial class DocumentTags
{
    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,64}\z")]
    private static partial Regex KeyPattern();

    public static IReadOnlyDictionary<string, string> Parse(IEnumerable<string?> pairs)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            if (string.IsNullOrWhiteSpace(pair)) continue;
            var colon = pair.IndexOf(':');
            if (colon <= 0)
                throw RequestRejectedException.BadRequest($"Tag '{pair}' is not of the form key:value.");
            var key = pair[..colon].Trim();
            var value = pair[(colon + 1)..].Trim();
            if (!KeyPattern().IsMatch(key))
                throw RequestRejectedException.BadRequest($"Tag key '{key}' must be 1-64 letters, digits, '_', '.' or '-'.");
            if (value.Length is 0 or > 256)
                throw RequestRejectedException.BadRequest($"Tag '{key}' needs a value of 1-256 characters.");
            tags[key] = value;
        }
        return tags;
    }
}
