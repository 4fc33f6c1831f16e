using System.Text;

namespace DocQa.Extraction;

/// <summary>Decoding and whitespace handling shared by the text-based extractors.</summary>
internal static class TextHelpers
{
    /// <summary>
    /// Decodes UTF-16 when the bytes start with its BOM, otherwise UTF-8 (with or without BOM). Detection has
    /// already refused other encodings, so invalid bytes past the inspected head only become U+FFFD.
    /// </summary>
    public static string Decode(byte[] bytes)
    {
        ReadOnlySpan<byte> span = bytes;
        if (span.StartsWith([(byte)0xFF, (byte)0xFE]))
            return Encoding.Unicode.GetString(span[2..]);
        if (span.StartsWith([(byte)0xFE, (byte)0xFF]))
            return Encoding.BigEndianUnicode.GetString(span[2..]);
        if (span.StartsWith([(byte)0xEF, (byte)0xBB, (byte)0xBF]))
            span = span[3..];
        return Encoding.UTF8.GetString(span);
    }

    /// <summary>Turns every run of whitespace (line breaks and no-break spaces included) into one space, and trims.</summary>
    public static string CollapseWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c) || c == '\u200B')
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace)
                builder.Append(' ');
            builder.Append(c);
            pendingSpace = false;
        }
        return builder.ToString();
    }

    /// <summary>True when the text holds at least one letter or digit, so that a block of stray punctuation is not kept.</summary>
    public static bool HasWords(string text)
    {
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
                return true;
        }
        return false;
    }
}
