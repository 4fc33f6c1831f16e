using System.Collections.Concurrent;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Ocr;

/// <summary>
/// Tesseract 5 through its command line (Debian's tesseract-ocr, languages from tesseract-ocr-&lt;lang&gt;): the image
/// goes to its standard input, the text comes from its standard output, one page after another separated by form
/// feeds (a TIFF's frames are its pages).
/// </summary>
public sealed class TesseractOcrEngine : IOcrEngine
{
    /// <summary>The install hint every "not installed" message carries.</summary>
    public const string InstallHint = "apt-get install tesseract-ocr";

    // A page takes a few seconds; one that takes minutes is a crafted image. The extraction's own limit still applies.
    private static readonly TimeSpan PageTimeout = TimeSpan.FromMinutes(2);

    // Probing starts two processes; once per executable and languages is enough.
    private static readonly ConcurrentDictionary<(string, string, bool), Lazy<OcrStatus>> Probes = new();

    private readonly OcrOptions _options;
    private readonly string _executable;

    /// <param name="executable">The tesseract command (looked up on PATH) or its path.</param>
    public TesseractOcrEngine(OcrOptions options, string executable = "tesseract")
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _executable = executable;
    }

    public OcrStatus Status => Probes.GetOrAdd((_executable, _options.Languages, _options.Enabled), _ => new Lazy<OcrStatus>(Probe)).Value;

    public IReadOnlyList<string> Recognize(ReadOnlyMemory<byte> image, int? dpi, CancellationToken cancellationToken)
    {
        List<string> arguments = ["stdin", "stdout", "-l", _options.Languages];
        if (dpi is int resolution)
            arguments.AddRange(["--dpi", resolution.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        ToolResult result;
        try
        {
            // One thread per process: extractions already run side by side, and Tesseract's own threads cost more than they give.
            result = ToolProcess.Run(_executable, arguments, image, PageTimeout, cancellationToken,
                new Dictionary<string, string> { ["OMP_THREAD_LIMIT"] = "1" });
        }
        catch (ToolMissingException e)
        {
            throw new ExtractionException($"OCR is not installed ({InstallHint})", e);
        }
        if (result.ExitCode != 0)
            throw new ExtractionException($"OCR failed: {result.FirstError}");
        // Tesseract ends every page with a form feed.
        string[] pages = result.OutputText.Split('\f');
        return pages.Length > 1 && string.IsNullOrWhiteSpace(pages[^1]) ? pages[..^1] : pages;
    }

    private OcrStatus Probe()
    {
        var languages = _options.LanguageList;
        if (!_options.Enabled)
            return new OcrStatus(false, false, null, languages, "OCR is turned off (Ocr:Enabled)");
        try
        {
            var version = ToolProcess.Run(_executable, ["--version"], ReadOnlyMemory<byte>.Empty, TimeSpan.FromSeconds(30), CancellationToken.None);
            string engine = version.OutputText.Split('\n')[0].Trim();
            var listed = ToolProcess.Run(_executable, ["--list-langs"], ReadOnlyMemory<byte>.Empty, TimeSpan.FromSeconds(30), CancellationToken.None);
            if (version.ExitCode != 0 || listed.ExitCode != 0)
                return new OcrStatus(true, false, null, languages, $"OCR does not run: {(version.ExitCode != 0 ? version : listed).FirstError}");
            // "List of available languages in ...:" then one code per line.
            var installed = listed.OutputText.Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
            var missing = languages.Where(l => !installed.Contains(l)).ToList();
            if (missing.Count > 0)
            {
                string packages = string.Join(' ', missing.Select(l => "tesseract-ocr-" + l.ToLowerInvariant().Replace('_', '-')));
                return new OcrStatus(true, false, engine, languages,
                    $"OCR language{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} {(missing.Count > 1 ? "are" : "is")} not installed (apt-get install {packages})");
            }
            return new OcrStatus(true, true, engine, languages, null);
        }
        catch (ToolMissingException)
        {
            return new OcrStatus(true, false, null, languages, $"OCR is not installed ({InstallHint})");
        }
        catch (ExtractionException e)
        {
            return new OcrStatus(true, false, null, languages, $"OCR does not run: {e.Message}");
        }
    }
}
