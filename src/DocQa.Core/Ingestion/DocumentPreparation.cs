using DocQa.Core.Chunking;
using DocQa.Core.Extraction;

namespace DocQa.Core.Ingestion;

/// <summary>A document's text and the chunks cut from it, before they are embedded.</summary>
public sealed record PreparedDocument(ExtractedDocument Extracted, IReadOnlyList<Chunk> Chunks);

/// <summary>
/// Detect, extract, chunk: what turns a file's bytes into chunks. Ingestion and the benchmarks both go this way,
/// so that what is measured is what the server does.
/// </summary>
public sealed class DocumentPreparation(IDocumentExtractor extractor, Chunker chunker)
{
    /// <summary>
    /// Prepares a seekable stream; throws <see cref="ExtractionException"/> with a readable reason when the type is not
    /// supported, extraction fails, or no text is found.
    /// </summary>
    public async Task<PreparedDocument> PrepareAsync(Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        var head = new byte[DocumentTypeSniff.HeadBytes];
        var headLength = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        content.Position = 0;
        var type = extractor.Detect(head.AsSpan(0, headLength), fileName)
            ?? throw new ExtractionException("the file is not a supported document type");

        // Extraction and chunking are CPU-bound and synchronous: keep them off the caller's thread.
        return await Task.Run(() =>
        {
            var extracted = extractor.Extract(content, type, cancellationToken);
            var chunks = chunker.Split(extracted, cancellationToken, title: Path.GetFileNameWithoutExtension(fileName));
            if (chunks.Count == 0)
                throw new ExtractionException(extracted.PagesWithoutText > 0
                    ? $"no text found: {extracted.PagesWithoutText} of {extracted.Pages} pages have no text layer (scanned images?)"
                    : "no text found in the document");
            return new PreparedDocument(extracted, chunks);
        }, cancellationToken);
    }
}
