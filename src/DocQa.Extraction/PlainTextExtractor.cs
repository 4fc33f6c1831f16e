using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction;

/// <summary>Plain text: paragraphs are separated by blank lines; the lines inside one are kept.</summary>
internal static class PlainTextExtractor
{
    public static ExtractedDocument Extract(byte[] content, CancellationToken cancellationToken)
    {
        string text = TextHelpers.Decode(content);
        var blocks = new BlockList();
        var paragraph = new StringBuilder();
        int lineCount = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            // Checked now and then rather than per line: lines are cheap, a huge file is not.
            if (++lineCount % 4096 == 0)
                cancellationToken.ThrowIfCancellationRequested();

            // EnumerateLines also breaks at form feeds, so a page break in an old text report separates paragraphs.
            var trimmed = line.TrimEnd();
            if (trimmed.IsWhiteSpace())
            {
                Flush();
                continue;
            }
            if (paragraph.Length > 0)
                paragraph.Append('\n');
            paragraph.Append(trimmed);
        }
        Flush();
        return blocks.ToDocument();

        void Flush()
        {
            blocks.Add(BlockKind.Paragraph, paragraph.ToString(), 1);
            paragraph.Clear();
        }
    }
}
