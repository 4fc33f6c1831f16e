using NJsonSchema.CodeGeneration.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;

namespace DocQa.Client.Tests;

/// <summary>How Generated/DocQaApiClient.cs is made from the served OpenAPI document: one class, methods named by operation id.</summary>
public static class ClientGeneration
{
    public const string ClassName = "DocQaApiClient";
    public const string Namespace = "DocQa.Client.Tests.Generated";

    /// <summary>The checked-in client, found from this source file (the test runs from its output folder).</summary>
    public static string CheckedInPath([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Generated", ClassName + ".cs");

    public static async Task<string> GenerateAsync(string openApiJson)
    {
        var document = await OpenApiDocument.FromJsonAsync(openApiJson);
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = ClassName,
            // The caller's HttpClient says where the server is; the document's server URL is wherever it was fetched from.
            UseBaseUrl = false,
            GenerateClientInterfaces = false,
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            CSharpGeneratorSettings =
            {
                Namespace = Namespace,
                JsonLibrary = CSharpJsonLibrary.SystemTextJson,
                GenerateNullableReferenceTypes = true,
            },
        };
        // One line ending everywhere, so the comparison does not depend on the machine.
        return new CSharpClientGenerator(document, settings).GenerateFile().ReplaceLineEndings("\n");
    }
}
