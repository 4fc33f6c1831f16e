using DocQa.Core.Answering.Generation;
using DocQa.Core.Configuration;
using DocQa.Llm.OpenAI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class OpenAiServiceCollectionExtensions
{
    /// <summary>Registers the model on the OpenAI-compatible server that Llm:Endpoint and Llm:Model name; the settings are validated at start.</summary>
    public static IServiceCollection AddOpenAiLanguageModel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddConfiguredOptions<OpenAiOptions>(configuration, OpenAiOptions.Section);
        return services.AddSingleton<ILanguageModel>(sp => new OpenAiLanguageModel(sp.GetRequiredService<IOptions<OpenAiOptions>>().Value));
    }
}
