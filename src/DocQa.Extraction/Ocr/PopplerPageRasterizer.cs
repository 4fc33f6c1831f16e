using System.Globalization;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Ocr;

/// <summary>PDF pages to PNG with pdftoppm (Debian's poppler-utils), which reads every kind of scanned image a PDF holds.</summary>
public sealed class PopplerPageRasterizer(string executable = "pdftoppm") : IPageRasterizer
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromMinutes(2);

    private readonly Lazy<string?> _problem = new(() =>
        ToolProcess.Locate(executable) is null ? "pdftoppm is not installed (apt-get install poppler-utils)" : null);

    public string? Problem => _problem.Value;

    public byte[] Render(string pdfPath, int page, int dpi, CancellationToken cancellationToken)
    {
        string number = page.ToString(CultureInfo.InvariantCulture);
        ToolResult result;
        try
        {
            // No output root: the one page's PNG goes to standard output.
            result = ToolProcess.Run(executable,
                ["-f", number, "-l", number, "-r", dpi.ToString(CultureInfo.InvariantCulture), "-gray", "-png", pdfPath],
                ReadOnlyMemory<byte>.Empty, PageTimeout, cancellationToken);
        }
        catch (ToolMissingException e)
        {
            throw new ExtractionException("pdftoppm is not installed (apt-get install poppler-utils)", e);
        }
        if (result.ExitCode != 0 || result.Output.Length == 0)
            throw new ExtractionException($"page {page} cannot be rendered for OCR: {result.FirstError}");
        return result.Output;
    }
}
