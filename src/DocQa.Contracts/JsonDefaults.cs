using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocQa.Contracts;

/// <summary>
/// The API's JSON conventions: camelCase names and enums as camelCase strings ("ready", "hybrid"). Reading is strict:
/// a number is a JSON number ("top": "5" is refused) and an enum is one of its names ("mode": 7 is refused), so a
/// client's mistake is a 400 rather than a guess.
/// </summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}
