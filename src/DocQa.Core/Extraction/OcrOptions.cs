using System.ComponentModel.DataAnnotations;

namespace DocQa.Core.Extraction;

/// <summary>
/// The "Ocr" section: reading pages without a text layer (scanned PDF pages) and image files with an OCR engine
/// (Tesseract). Without the engine installed, such pages are reported in the document instead of read.
/// </summary>
public sealed class OcrOptions
{
    public const string Section = "Ocr";

    /// <summary>Read scanned pages and images with OCR when the engine is installed; false reports them unread.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Tesseract's language codes joined by '+' ("eng", "eng+deu"); each needs its tesseract-ocr-&lt;lang&gt; package.</summary>
    [RegularExpression("^[A-Za-z0-9_]{2,40}(\\+[A-Za-z0-9_]{2,40}){0,9}$", ErrorMessage = "Ocr:Languages must be language codes joined by '+', such as eng or eng+deu.")]
    public string Languages { get; set; } = "eng";

    /// <summary>Resolution PDF pages are rendered at before OCR; Tesseract reads best at about 300.</summary>
    [Range(72, 600)]
    public int Dpi { get; set; } = 300;

    /// <summary>Most pages of one document read by OCR; pages past it are reported in the document, unread.</summary>
    [Range(0, 10_000)]
    public int MaxPagesPerDocument { get; set; } = 100;

    /// <summary>The language codes, in order.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> LanguageList => Languages.Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Whether OCR can run here: the engine's version and languages, or why it cannot.</summary>
/// <param name="Enabled">Ocr:Enabled.</param>
/// <param name="Available">Enabled, the engine installed and every configured language present.</param>
/// <param name="Engine">The engine and its version ("tesseract 5.3.0"); null when it is not installed.</param>
/// <param name="Languages">The configured languages.</param>
/// <param name="Problem">Why OCR is not available; null when it is.</param>
public sealed record OcrStatus(bool Enabled, bool Available, string? Engine, IReadOnlyList<string> Languages, string? Problem);
