using System.Buffers;
using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction;

/// <summary>
/// Decides a file's type from its first bytes and its extension together. The content wins where it is
/// unambiguous (a PDF named .txt is still a PDF); the extension picks among textual formats.
/// </summary>
internal static class DocumentTypeDetector
{
    public static readonly DocumentType Pdf = new(DocumentKind.Pdf, "application/pdf");
    public static readonly DocumentType Docx = new(DocumentKind.Docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    public static readonly DocumentType Html = new(DocumentKind.Html, "text/html");
    public static readonly DocumentType Markdown = new(DocumentKind.Markdown, "text/markdown");
    public static readonly DocumentType Text = new(DocumentKind.Text, "text/plain");
    public static readonly DocumentType Png = new(DocumentKind.Image, "image/png");
    public static readonly DocumentType Jpeg = new(DocumentKind.Image, "image/jpeg");
    public static readonly DocumentType Tiff = new(DocumentKind.Image, "image/tiff");
    public static readonly DocumentType Xlsx = new(DocumentKind.Xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    public static readonly DocumentType Pptx = new(DocumentKind.Pptx, "application/vnd.openxmlformats-officedocument.presentationml.presentation");
    public static readonly DocumentType Csv = new(DocumentKind.Csv, "text/csv");
    public static readonly DocumentType Tsv = new(DocumentKind.Csv, "text/tab-separated-values");

    private static readonly HashSet<string> HtmlExtensions = new(StringComparer.OrdinalIgnoreCase) { ".html", ".htm", ".xhtml" };
    private static readonly HashSet<string> MarkdownExtensions = new(StringComparer.OrdinalIgnoreCase) { ".md", ".markdown" };
    private static readonly HashSet<string> TextExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        "", ".txt", ".text", ".log", ".json", ".xml", ".yaml", ".yml", ".rst",
    };

    // Formats we do not read. Most binary files also fail the text check below (NUL bytes, invalid UTF-8);
    // the signatures make the answer certain for the common ones.
    private static readonly byte[][] BinarySignatures =
    [
        "GIF87a"u8.ToArray(), "GIF89a"u8.ToArray(),                 // GIF
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],           // OLE compound file (.doc, .xls, .msg)
        [0x1F, 0x8B],                                               // gzip
        [0x7F, (byte)'E', (byte)'L', (byte)'F'],                   // ELF
        [(byte)'P', (byte)'K', 0x05, 0x06],                         // empty ZIP
        [(byte)'P', (byte)'K', 0x07, 0x08],                         // spanned ZIP
        [(byte)'R', (byte)'a', (byte)'r', (byte)'!', 0x1A, 0x07],   // RAR
        [(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C],             // 7-Zip
        [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z'],         // xz
        [0x28, 0xB5, 0x2F, 0xFD],                                   // zstd
        [0xCA, 0xFE, 0xBA, 0xBE],                                   // Java class, Mach-O universal
        "{\\rtf"u8.ToArray(),                                       // RTF: text, but its markup is not readable text
    ];

    public static DocumentType? Detect(ReadOnlySpan<byte> head, string fileName)
    {
        string extension = Path.GetExtension(fileName ?? "");

        if (head.IsEmpty)
            return ByExtension(extension);

        if (IsPdf(head, extension))
            return Pdf;
        if (head.StartsWith("PK\u0003\u0004"u8))
        {
            // An Office file is a ZIP archive; its extension tells which.
            return ByExtension(extension) is { Kind: DocumentKind.Docx or DocumentKind.Xlsx or DocumentKind.Pptx } office ? office : null;
        }
        if (head.StartsWith([(byte)0x89, (byte)'P', (byte)'N', (byte)'G', (byte)0x0D, (byte)0x0A, (byte)0x1A, (byte)0x0A]))
            return Png;
        if (head.StartsWith([(byte)0xFF, (byte)0xD8, (byte)0xFF]))
            return Jpeg;
        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8))
            return Tiff;
        foreach (byte[] signature in BinarySignatures)
        {
            if (head.StartsWith(signature))
                return null;
        }

        string? start = DecodeStart(head);
        if (start is null)
            return null;

        DocumentType? byExtension = ByExtension(extension);
        if (byExtension is null || byExtension.Kind is DocumentKind.Pdf or DocumentKind.Docx or DocumentKind.Image or DocumentKind.Xlsx or DocumentKind.Pptx)
            return null; // text in a file that claims to be a binary format
        return LooksLikeHtml(start) ? Html : byExtension;
    }

    private static DocumentType? ByExtension(string extension)
    {
        if (extension.Equals(".pdf", StringComparison.OrdinalIgnoreCase)) return Pdf;
        if (extension.Equals(".docx", StringComparison.OrdinalIgnoreCase)) return Docx;
        if (extension.Equals(".xlsx", StringComparison.OrdinalIgnoreCase)) return Xlsx;
        if (extension.Equals(".pptx", StringComparison.OrdinalIgnoreCase)) return Pptx;
        if (extension.Equals(".csv", StringComparison.OrdinalIgnoreCase)) return Csv;
        if (extension.Equals(".tsv", StringComparison.OrdinalIgnoreCase)) return Tsv;
        if (extension.Equals(".png", StringComparison.OrdinalIgnoreCase)) return Png;
        if (extension.Equals(".jpg", StringComparison.OrdinalIgnoreCase) || extension.Equals(".jpeg", StringComparison.OrdinalIgnoreCase)) return Jpeg;
        if (extension.Equals(".tif", StringComparison.OrdinalIgnoreCase) || extension.Equals(".tiff", StringComparison.OrdinalIgnoreCase)) return Tiff;
        if (HtmlExtensions.Contains(extension)) return Html;
        if (MarkdownExtensions.Contains(extension)) return Markdown;
        if (TextExtensions.Contains(extension)) return Text;
        return null;
    }

    // The PDF header may follow a little junk; PDF readers accept it within the first 1 KiB. Only look that
    // far into a file named .pdf, so that a text file quoting "%PDF-" stays text.
    private static bool IsPdf(ReadOnlySpan<byte> head, string extension)
    {
        if (head.StartsWith("%PDF-"u8))
            return true;
        return extension.Equals(".pdf", StringComparison.OrdinalIgnoreCase)
            && head[..Math.Min(head.Length, 1024)].IndexOf("%PDF-"u8) >= 0;
    }

    /// <summary>The beginning of the text when the bytes are UTF-8 or UTF-16 with a BOM; null when they are not text.</summary>
    private static string? DecodeStart(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith([(byte)0xFF, (byte)0xFE, (byte)0, (byte)0]) || head.StartsWith([(byte)0, (byte)0, (byte)0xFE, (byte)0xFF]))
            return null; // UTF-32
        if (head.StartsWith([(byte)0xFF, (byte)0xFE]) || head.StartsWith([(byte)0xFE, (byte)0xFF]))
        {
            bool bigEndian = head[0] == 0xFE;
            var body = head[2..(2 + ((head.Length - 2) & ~1))];
            string text = (bigEndian ? Encoding.BigEndianUnicode : Encoding.Unicode).GetString(body);
            return text.Contains('\0') ? null : Start(text);
        }

        if (head.StartsWith([(byte)0xEF, (byte)0xBB, (byte)0xBF]))
            head = head[3..];
        if (head.IndexOf((byte)0) >= 0 || !IsUtf8(head))
            return null;
        return Start(Encoding.UTF8.GetString(head[..Math.Min(head.Length, 256)]));
    }

    // Valid UTF-8, allowing a sequence cut off at the end of the head.
    private static bool IsUtf8(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(bytes, out _, out int consumed);
            if (status == OperationStatus.InvalidData)
                return false;
            if (status == OperationStatus.NeedMoreData)
                return true;
            bytes = bytes[consumed..];
        }
        return true;
    }

    private static string Start(string text) => text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n', '\f');

    private static bool LooksLikeHtml(string start) =>
        start.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
        || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
}
