using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;
using DocQa.Extraction;
using DocQa.Extraction.Isolation;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ExtractionServiceCollectionExtensions
{
    /// <summary>
    /// Registers document extraction: in a child process under the limits of <see cref="IngestionOptions"/> when
    /// Ingestion:IsolateExtraction is on (the default), in-process otherwise.
    /// </summary>
    public static IServiceCollection AddDocumentExtraction(this IServiceCollection services) =>
        services.AddSingleton<IDocumentExtractor>(sp =>
        {
            var ingestion = sp.GetRequiredService<IOptions<IngestionOptions>>().Value;
            return ingestion.IsolateExtraction
                ? new IsolatedDocumentExtractor(new DocumentExtractor(),
                    new ExtractionLimits(TimeSpan.FromSeconds(ingestion.ExtractionTimeoutSeconds), ingestion.ExtractionMemoryMegabytes))
                : new DocumentExtractor();
        });
}
