using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocQa.Client.Tests.Generated;

/// <summary>
/// DocQa writes enums as camel-case names ("ready"); NSwag's System.Text.Json client leaves that conversion to this
/// hook, which it declares for the purpose.
/// </summary>
public partial class DocQaApiClient
{
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings) =>
        settings.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
}
