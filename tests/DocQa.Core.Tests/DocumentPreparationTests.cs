using System.Text;
using DocQa.Core.Chunking;
using DocQa.Core.Extraction;
using DocQa.Core.Ingestion;

namespace DocQa.Core.Tests;

/// <summary>Detect, extract, chunk: the one path from a file's bytes to chunks.</summary>
public class DocumentPreparationTests
{
    /// <summary>Takes ".txt" files whose head is text; each line of the content becomes a paragraph on its own page.</summary>
    private sealed class LineExtractor : IDocumentExtractor
    {
        public int HeadLength { get; private set; } = -1;

        public DocumentType? Detect(ReadOnlySpan<byte> head, string fileName)
        {
            HeadLength = head.Length;
            return fileName.EndsWith(".txt", StringComparison.Ordinal) ? new DocumentType(DocumentKind.Text, "text/plain") : null;
        }

        public ExtractedDocument Extract(Stream content, DocumentType type, CancellationToken cancellationToken = default)
        {
            var lines = new StreamReader(content).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return new ExtractedDocument(lines.Select((line, i) => new DocumentBlock(BlockKind.Paragraph, line, i + 1)).ToList(), Math.Max(lines.Length, 1),
                PagesWithoutText: lines.Length == 0 ? 1 : 0);
        }
    }

    private static readonly LineExtractor Extractor = new();
    private static readonly DocumentPreparation Preparation = new(Extractor, new Chunker(new FakeTokenCounter()));

    private static MemoryStream Content(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task A_long_file_is_detected_on_its_head_then_extracted_from_its_start()
    {
        var text = "The harbor light was rebuilt in 1881.\n" + new string('x', 3 * DocumentTypeSniff.HeadBytes);

        var prepared = await Preparation.PrepareAsync(Content(text), "harbor.txt");

        Assert.Equal(DocumentTypeSniff.HeadBytes, Extractor.HeadLength);
        Assert.Equal(2, prepared.Extracted.Pages);
        Assert.StartsWith("The harbor light was rebuilt in 1881.", prepared.Chunks[0].Text);
    }

    [Fact]
    public async Task An_unsupported_type_or_a_file_without_text_fails_with_a_reason()
    {
        var unsupported = await Assert.ThrowsAsync<ExtractionException>(() => Preparation.PrepareAsync(Content("text"), "photo.png"));
        Assert.Equal("the file is not a supported document type", unsupported.Message);

        var empty = await Assert.ThrowsAsync<ExtractionException>(() => Preparation.PrepareAsync(Content(""), "empty.txt"));
        Assert.Contains("no text found", empty.Message);
    }
}
