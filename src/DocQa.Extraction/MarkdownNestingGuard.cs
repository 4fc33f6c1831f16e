using DocQa.Core.Extraction;
using Markdig.Helpers;
using Markdig.Parsers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace DocQa.Extraction;

/// <summary>
/// Keeps Markdig's work linear in deeply nested Markdown. Markdig keeps open link brackets and emphasis delimiters
/// as a chain of nested inlines and walks that chain for every new inline, so n unclosed brackets cost about n²
/// steps (it refuses only past 10,240); it also takes seconds to build, and then refuses, a line that opens
/// tens of thousands of quotes or lists.
/// </summary>
internal static class MarkdownNestingGuard
{
    /// <summary>Brackets and emphasis delimiters nested deeper than this are read as plain characters.</summary>
    public const int MaxInlineDepth = 64;

    /// <summary>Emphasis delimiter runs longer than this are read as plain characters.</summary>
    public const int MaxDelimiterRun = 64;

    /// <summary>Quotes and list items that one line opens beyond this are refused (Markdig refuses past 128).</summary>
    public const int MaxBlockDepth = 100;

    /// <summary>Refuses a document with a line that opens more quotes and list items than <see cref="MaxBlockDepth"/>.</summary>
    public static void CheckBlockDepth(string text)
    {
        int depth = 0;
        bool inPrefix = true;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\n' or '\r')
            {
                depth = 0;
                inPrefix = true;
            }
            else if (inPrefix && c is not (' ' or '\t'))
            {
                int marker = ContainerMarker(text, i);
                if (marker == 0)
                    inPrefix = false;
                else if (++depth > MaxBlockDepth)
                    throw new ExtractionException($"the Markdown nests quotes or lists more than {MaxBlockDepth} deep");
                else
                    i += marker - 1;
            }
        }
    }

    /// <summary>The length of a quote marker (&gt;) or list marker (-, +, *, 1. or 1) and a space) at i, or 0.</summary>
    private static int ContainerMarker(string text, int i)
    {
        char c = text[i];
        if (c == '>')
            return 1;
        if (c is '-' or '+' or '*')
            return i + 1 < text.Length && text[i + 1] is ' ' or '\t' ? 2 : 0;
        int end = i;
        while (end < text.Length && end - i < 9 && char.IsAsciiDigit(text[end]))
            end++;
        if (end == i || end + 1 >= text.Length || text[end] is not ('.' or ')') || text[end + 1] is not (' ' or '\t'))
            return 0;
        return end - i + 2;
    }

    /// <summary>
    /// Reads an opening bracket, an image's "![" or an emphasis delimiter run as plain characters when the inlines
    /// it would open are already nested <see cref="MaxInlineDepth"/> deep, or when the run is too long. Placed before
    /// Markdig's own parsers, it leaves every other case to them.
    /// </summary>
    public sealed class DepthLimitParser : InlineParser
    {
        public DepthLimitParser()
        {
            OpeningCharacters = ['[', '!', '*', '_'];
        }

        public override bool Match(InlineProcessor processor, ref StringSlice slice)
        {
            char c = slice.CurrentChar;
            int length = 1;
            if (c == '!')
            {
                if (slice.PeekChar() != '[')
                    return false;
                length = 2;
            }
            else if (c is '*' or '_')
            {
                while (slice.PeekChar(length) == c)
                    length++;
            }

            bool tooLong = c is '*' or '_' && length > MaxDelimiterRun;
            if (!tooLong && Depth(processor.Inline) < MaxInlineDepth)
                return false;

            int start = processor.GetSourcePosition(slice.Start, out int line, out int column);
            processor.Inline = new LiteralInline
            {
                Content = new StringSlice(slice.Text, slice.Start, slice.Start + length - 1),
                Span = new SourceSpan(start, start + length - 1),
                Line = line,
                Column = column,
                IsClosed = true,
            };
            slice.Start += length;
            return true;
        }

        /// <summary>How deep the inline sits among open inlines, counted up to just past the limit.</summary>
        private static int Depth(Inline? inline)
        {
            int depth = 0;
            for (ContainerInline? parent = inline as ContainerInline ?? inline?.Parent; parent is not null && depth <= MaxInlineDepth; parent = parent.Parent)
                depth++;
            return depth;
        }
    }
}
