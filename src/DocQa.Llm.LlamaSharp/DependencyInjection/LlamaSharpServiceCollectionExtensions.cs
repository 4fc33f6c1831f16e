using DocQa.Core.Answering.Generation;
using DocQa.Core.Configuration;
using DocQa.Llm.LlamaSharp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class LlamaSharpServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="LlmOptions.Section"/>; a host reads it whether or not a model is configured.</summary>
    public static OptionsBuilder<LlmOptions> AddLlmOptions(this IServiceCollection services, IConfiguration configuration) =>
        services.AddConfiguredOptions<LlmOptions>(configuration, LlmOptions.Section);

    /// <summary>
    /// Registers the local language model that Llm:ModelPath names (relative paths from <paramref name="contentRoot"/>),
    /// loaded once; a path that names no file stops the host with the reason when the model is first asked for.
    /// </summary>
    public static IServiceCollection AddLlamaSharpLanguageModel(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddLlmOptions(configuration);
        return services.AddSingleton<ILanguageModel>(sp =>
        {
            var llm = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
            var path = Path.GetFullPath(Path.Combine(contentRoot, llm.ModelPath!));
            if (!File.Exists(path))
                throw new InvalidOperationException($"Llm:ModelPath names {path}, which does not exist. Fetch a model with 'docqa model pull', or unset Llm:ModelPath for extractive answers.");
            return LlamaLanguageModel.Load(llm with { ModelPath = path }, sp.GetRequiredService<ILogger<LlamaLanguageModel>>());
        });
    }
}
