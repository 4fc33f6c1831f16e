using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DocQa.Core.Documents;

/// <summary>Rules for index names.</summary>
public static partial class IndexNames
{
    public const string Default = "default";

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}\z")]
    private static partial Regex Pattern();

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>Refuses a name that is not valid, with the rule in the message.</summary>
    public static void Require(string? name)
    {
        if (!IsValid(name))
            throw RequestRejectedException.BadRequest(
                $"Index name '{name}' is not valid: use 1-64 lower-case letters, digits, '_' or '-', starting with a letter or digit.");
    }
}

/// <summary>Rules for document ids, and the stable slug derived from a file name.</summary>
public static partial class DocumentIds
{
    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{0,127}\z")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    /// <summary>A stable id from a file name, so that uploading the same file again updates it: "2023 Q3 AAPL.pdf" -> "2023-q3-aapl-pdf".</summary>
    public static string FromFileName(string fileName) => Slug(FileNames.Sanitize(fileName));

    /// <summary>
    /// A stable id from a file's path within a synced folder, so that the next sync finds it again:
    /// "reports/2023 Q3.pdf" -> "reports-2023-q3-pdf". A file at the top of the folder gets the id of its name.
    /// </summary>
    public static string FromRelativePath(string relativePath) => Slug(relativePath);

    private static string Slug(string text)
    {
        var name = text.Normalize(NormalizationForm.FormD);
        var slug = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z' or >= '0' and <= '9') slug.Append(lower);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        }
        var id = slug.ToString().Trim('-');
        if (id.Length > 128) id = id[..128].TrimEnd('-');
        return id.Length == 0 ? "document" : id;
    }
}

/// <summary>File names as given by clients are labels, never paths.</summary>
public static class FileNames
{
    public const int MaxLength = 200;

    // Names Windows gives to devices, with any extension: a file saved as "con.pdf" there opens the console.
    private static readonly HashSet<string> ReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>
    /// Keeps the last path segment and drops control, bidirectional-override and reserved characters:
    /// "../../etc/x.pdf" -> "x.pdf", "C:\\temp\\a.pdf" -> "a.pdf", "con.pdf" -> "_con.pdf". Long names are cut
    /// to <see cref="MaxLength"/> characters, keeping the extension.
    /// </summary>
    public static string Sanitize(string? fileName)
    {
        var name = (fileName ?? "").Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var clean = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsControl(c) || IsBidiControl(c) || c is '<' or '>' or ':' or '"' or '|' or '?' or '*') continue;
            clean.Append(c);
        }
        // Leading dots would hide the file or name a parent folder; trailing dots and spaces Windows drops itself.
        var result = clean.ToString().Trim().TrimStart('.').TrimEnd('.', ' ').Trim();
        if (result.Length > MaxLength) result = Shorten(result);
        if (result.Length == 0) return "upload";
        var stem = result.Split('.', 2)[0].TrimEnd(' ');
        return ReservedNames.Contains(stem) ? "_" + result : result;
    }

    private static bool IsBidiControl(char c) => c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static string Shorten(string name)
    {
        var extension = Path.GetExtension(name);
        if (extension.Length > 16) extension = "";
        var stem = name[..(MaxLength - extension.Length)];
        // Never split a surrogate pair.
        if (char.IsHighSurrogate(stem[^1])) stem = stem[..^1];
        return stem.TrimEnd('.', ' ') + extension;
    }
}
