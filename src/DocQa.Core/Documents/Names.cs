using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DocQa.Core.Documents;

/// <summary>Rules for index names.</summary>
public static partial class IndexNames
{
    public const string Default = "default";

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);
}

/// <summary>Rules for document ids, and the stable slug derived from a file name.</summary>
public static partial class DocumentIds
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,127}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    /// <summary>A stable id from a file name, so that uploading the same file again updates it: "2023 Q3 AAPL.pdf" -> "2023-q3-aapl-pdf".</summary>
    public static string FromFileName(string fileName)
    {
        var name = FileNames.Sanitize(fileName).Normalize(NormalizationForm.FormD);
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
    /// <summary>Keeps the last path segment, drops control and reserved characters: "../../etc/x.pdf" -> "x.pdf".</summary>
    public static string Sanitize(string? fileName)
    {
        var name = (fileName ?? "").Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var clean = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsControl(c) || c is '<' or '>' or ':' or '"' or '|' or '?' or '*') continue;
            clean.Append(c);
        }
        var result = clean.ToString().Trim().TrimStart('.').Trim();
        if (result.Length > 200) result = result[..200];
        return result.Length == 0 ? "upload" : result;
    }
}
