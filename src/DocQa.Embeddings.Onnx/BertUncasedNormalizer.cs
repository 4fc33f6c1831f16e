using System.Buffers;
using System.Globalization;
using System.Text;
using DocQa.Core.Retrieval;
using Microsoft.ML.Tokenizers;

namespace DocQa.Embeddings.Onnx;

/// <summary>
/// The text clean-up of BERT uncased as the model was trained with it: control characters dropped,
/// tabs and line breaks read as spaces, CJK ideographs set apart, accents stripped, lower case.
/// The library's own BERT normaliser deletes line breaks and tabs (joining the words around them)
/// and relies on ICU for accent stripping, hence this one.
/// </summary>
internal sealed class BertUncasedNormalizer : Normalizer
{
    // The most one character can turn into: a supplementary ideograph with a space either side.
    private const int MaxCharsPerRune = 4;

    // False in globalization-invariant mode, where string.Normalize leaves non-ASCII text as it is.
    private static readonly bool RuntimeDecomposes = "\u00E9".Normalize(NormalizationForm.FormD).Length == 2;

    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        if (original.IsEmpty)
        {
            return string.Empty;
        }

        if (RuntimeDecomposes && !Ascii.IsValid(original))
        {
            // Decomposed, an accented letter is its base letter followed by marks that are dropped below.
            original = WithoutLoneSurrogates(original).Normalize(NormalizationForm.FormD);
        }

        var buffer = ArrayPool<char>.Shared.Rent(original.Length + 16);
        var length = 0;
        foreach (var rune in original.EnumerateRunes())
        {
            if (buffer.Length - length < MaxCharsPerRune)
            {
                var larger = ArrayPool<char>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<char>.Shared.Return(buffer);
                buffer = larger;
            }

            length += AppendNormalized(rune, buffer.AsSpan(length));
        }

        var normalized = new string(buffer, 0, length);
        ArrayPool<char>.Shared.Return(buffer);
        return normalized;
    }

    private static int AppendNormalized(Rune rune, Span<char> destination)
    {
        if (rune.IsAscii)
        {
            var c = (char)rune.Value;
            if (c is '\t' or '\n' or '\r')
            {
                destination[0] = ' ';
                return 1;
            }

            if (char.IsControl(c))
            {
                return 0;
            }

            destination[0] = char.ToLowerInvariant(c);
            return 1;
        }

        if (rune.Value == 0xFFFD || IsOther(Rune.GetUnicodeCategory(rune)))
        {
            return 0;
        }

        if (Rune.IsWhiteSpace(rune))
        {
            destination[0] = ' ';
            return 1;
        }

        if (IsCjkIdeograph(rune.Value))
        {
            destination[0] = ' ';
            var written = rune.EncodeToUtf16(destination[1..]);
            destination[written + 1] = ' ';
            return written + 2;
        }

        if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark)
        {
            return 0;
        }

        // Without the runtime's decomposition, do the part of it that matters here.
        if (!RuntimeDecomposes && IsHangulSyllable(rune.Value))
        {
            return DecomposeHangul(rune.Value, destination);
        }

        if (!RuntimeDecomposes && rune.IsBmp)
        {
            rune = new Rune(AccentFolding.Fold((char)rune.Value));
        }

        return Rune.ToLowerInvariant(rune).EncodeToUtf16(destination);
    }

    // string.Normalize rejects unpaired surrogates; as U+FFFD they are dropped like any other non-text.
    private static string WithoutLoneSurrogates(ReadOnlySpan<char> text)
    {
        if (!text.ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return text.ToString();
        }

        var builder = new StringBuilder(text.Length);
        Span<char> pair = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            builder.Append(pair[..rune.EncodeToUtf16(pair)]);
        }

        return builder.ToString();
    }

    private static bool IsHangulSyllable(int cp) => cp is >= 0xAC00 and <= 0xD7A3;

    // A Hangul syllable decomposes by arithmetic into its leading consonant, vowel and optional
    // trailing consonant (Unicode standard, section 3.12); the vocabulary holds those letters.
    private static int DecomposeHangul(int cp, Span<char> destination)
    {
        var index = cp - 0xAC00;
        destination[0] = (char)(0x1100 + index / 588);
        destination[1] = (char)(0x1161 + index % 588 / 28);
        if (index % 28 == 0)
        {
            return 2;
        }

        destination[2] = (char)(0x11A7 + index % 28);
        return 3;
    }

    // Control, format, unassigned, private-use and surrogate characters carry no text.
    private static bool IsOther(UnicodeCategory category) => category is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or
        UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    // The CJK Unified Ideographs blocks (with extensions and compatibility blocks) that BERT splits per character.
    private static bool IsCjkIdeograph(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or
        (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or
        (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
