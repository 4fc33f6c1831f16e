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
        services
            .AddSingleton(sp => new DocumentExtractor(sp.GetService<IOptions<OcrOptions>>()?.Value))
            // Whether scanned pages and images can be read (the /v1/info endpoint reports it).
            .AddSingleton<Func<OcrStatus>>(sp => () => sp.GetRequiredService<DocumentExtractor>().OcrStatus)
            .AddSingleton<IDocumentExtractor>(sp =>
            {
                var ingestion = sp.GetRequiredService<IOptions<IngestionOptions>>().Value;
                var extractor = sp.GetRequiredService<DocumentExtractor>();
                return ingestion.IsolateExtraction
                    ? new IsolatedDocumentExtractor(extractor,
                        new ExtractionLimits(TimeSpan.FromSeconds(ingestion.ExtractionTimeoutSeconds), ingestion.ExtractionMemoryMegabytes))
                    : extractor;
            });
}
