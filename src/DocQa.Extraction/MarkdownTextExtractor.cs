using System.Text;
using DocQa.Core.Extraction;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace DocQa.Extraction;

/// <summary>
/// Markdown through Markdig's syntax tree: headings keep their level, everything else readable becomes
/// plain paragraphs with the inline markup removed, and pipe tables become table rows.
/// </summary>
internal static class MarkdownTextExtractor
{
    private static readonly MarkdownPipeline Pipeline = BuildPipeline();

    public static ExtractedDocument Extract(byte[] content, CancellationToken cancellationToken)
    {
        string text = TextHelpers.Decode(content);
        MarkdownNestingGuard.CheckBlockDepth(text);
        MarkdownDocument document = Markdown.Parse(text, Pipeline);
        var blocks = new BlockList();
        AddBlocks(document, blocks, new HtmlNestingFilter.Parser(), cancellationToken);
        return blocks.ToDocument();
    }

    private static MarkdownPipeline BuildPipeline()
    {
        var builder = new MarkdownPipelineBuilder().UsePipeTables();
        builder.InlineParsers.Insert(0, new MarkdownNestingGuard.DepthLimitParser());
        return builder.Build();
    }

    // Markdig refuses blocks nested more than 128 deep, so this recursion stays shallow.
    private static void AddBlocks(ContainerBlock container, BlockList blocks, HtmlNestingFilter.Parser html, CancellationToken cancellationToken)
    {
        foreach (Block block in container)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (block)
            {
                case HeadingBlock heading:
                    blocks.Add(BlockKind.Heading, InlineText(heading.Inline), 1, heading.Level);
                    break;
                case Table table:
                    blocks.Add(BlockKind.Table, TableText(table), 1);
                    break;
                case HtmlBlock raw:
                    // Raw HTML gets the same treatment as an HTML file: text only, no scripts or attributes.
                    HtmlTextExtractor.AddFragment(raw.Lines.ToString(), blocks, html);
                    break;
                case CodeBlock code: // fenced and indented
                    blocks.Add(BlockKind.Paragraph, code.Lines.ToString(), 1);
                    break;
                case ParagraphBlock paragraph:
                    blocks.Add(BlockKind.Paragraph, InlineText(paragraph.Inline), 1);
                    break;
                case ContainerBlock nested: // lists, list items, quotes
                    AddBlocks(nested, blocks, html, cancellationToken);
                    break;
            }
        }
    }

    /// <summary>A pipe table with its header row (Markdig marks it) before the delimiter row.</summary>
    private static string TableText(Table table)
    {
        var rows = table.OfType<TableRow>()
            .Select(row => (IReadOnlyList<TableCellText>)row.OfType<TableCell>()
                .Select(cell => new TableCellText(CellText(cell), Math.Max(1, cell.ColumnSpan), 1, row.IsHeader))
                .ToList())
            .ToList();
        return TableWriter.Write(rows, TableWriter.HeaderRows(rows));
    }

    private static string CellText(TableCell cell) =>
        string.Join(' ', cell.OfType<LeafBlock>().Select(leaf => InlineText(leaf.Inline)).Where(t => t.Length > 0));

    /// <summary>The visible text of inline content: emphasis and code marks removed, links and images keep their text.</summary>
    private static string InlineText(ContainerInline? inline)
    {
        if (inline is null)
            return "";
        var text = new StringBuilder();
        Append(inline, text);
        // Hard line breaks stay; soft ones were written as spaces.
        return string.Join('\n', text.ToString().Split('\n').Select(TextHelpers.CollapseWhitespace));
    }

    /// <summary>Appends the text of the inline and everything inside it, in order, without recursion (emphasis can nest deeply).</summary>
    private static void Append(Inline root, StringBuilder text)
    {
        var pending = new Stack<Inline>();
        pending.Push(root);
        while (pending.TryPop(out Inline? inline))
        {
            switch (inline)
            {
                case LiteralInline literal:
                    text.Append(literal.Content.AsSpan());
                    break;
                case CodeInline code:
                    text.Append(code.Content);
                    break;
                case HtmlEntityInline entity:
                    text.Append(entity.Transcoded.AsSpan());
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case LineBreakInline lineBreak:
                    text.Append(lineBreak.IsHard ? '\n' : ' ');
                    break;
                case ContainerInline container: // emphasis, links, images (their alt text)
                    for (Inline? child = container.LastChild; child is not null; child = child.PreviousSibling)
                        pending.Push(child);
                    break;
                // Raw inline HTML (tags) is dropped.
            }
        }
    }
}
