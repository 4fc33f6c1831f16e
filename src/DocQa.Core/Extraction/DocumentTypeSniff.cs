namespace DocQa.Core.Extraction;

/// <summary>How much of a file's start <see cref="IDocumentExtractor.Detect"/> is given to tell its type.</summary>
public static class DocumentTypeSniff
{
    /// <summary>Enough for every signature detection looks for, and for a fair sample of a text file's encoding.</summary>
    public const int HeadBytes = 8192;
}
