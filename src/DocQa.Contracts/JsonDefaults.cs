using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocQa.Contracts;

/// <summary>The API's JSON conventions: camelCase names and enums as camelCase strings ("ready", "hybrid").</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}
