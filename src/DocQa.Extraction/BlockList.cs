using DocQa.Core.Extraction;

namespace DocQa.Extraction;

/// <summary>Collects blocks, skipping those without any letter or digit (blank lines, stray bullets, rules).</summary>
internal sealed class BlockList : List<DocumentBlock>
{
    public void Add(BlockKind kind, string text, int page, int headingLevel = 0)
    {
        text = text.Trim();
        if (TextHelpers.HasWords(text))
            Add(new DocumentBlock(kind, text, page, kind == BlockKind.Heading ? Math.Clamp(headingLevel, 1, 9) : 0));
    }

    /// <summary>The finished document; a document without any text cannot be used and is refused.</summary>
    public ExtractedDocument ToDocument(int pages = 1)
    {
        if (Count == 0)
            throw new ExtractionException("no text found in the document");
        return new ExtractedDocument(this, pages);
    }
}
