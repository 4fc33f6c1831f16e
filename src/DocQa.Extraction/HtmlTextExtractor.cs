using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using DocQa.Core.Extraction;

namespace DocQa.Extraction;

/// <summary>
/// HTML through AngleSharp's DOM. Only text nodes are read, never attributes, so scripts in event handlers
/// or URLs cannot reach the text; elements that are code, navigation, controls or hidden are removed first.
/// Parsing goes through <see cref="HtmlNestingFilter"/>, which keeps the tree at most a few hundred elements
/// deep; the tree is still walked without recursion.
/// </summary>
internal static class HtmlTextExtractor
{
    private const string DroppedElements =
        "script, style, noscript, noembed, noframes, template, nav, iframe, frame, svg, canvas, object, embed, audio, video, " +
        "input, select, option, optgroup, datalist, textarea, button, [hidden], " +
        "[style*='display:none'], [style*='display: none']";

    // Elements that start and end a paragraph of their own; text directly inside them (a div with loose
    // text next to child paragraphs, for example) becomes a paragraph.
    private static readonly HashSet<string> BlockElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "legend", "li", "main",
        "menu", "ol", "p", "section", "summary", "ul",
    };

    private static readonly HashSet<string> WordSeparators = new(StringComparer.OrdinalIgnoreCase)
    {
        "br", "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th", "pre",
        "h1", "h2", "h3", "h4", "h5", "h6", "img",
    };

    public static ExtractedDocument Extract(byte[] content, CancellationToken cancellationToken)
    {
        IHtmlDocument document = HtmlNestingFilter.Parse(TextHelpers.Decode(content));
        cancellationToken.ThrowIfCancellationRequested();
        RemoveNonText(document);

        var blocks = new BlockList();
        // A page without its own top heading is named by its title.
        string title = TextHelpers.CollapseWhitespace(document.Title ?? "");
        if (title.Length > 0 && document.Body?.QuerySelector("h1") is null)
            blocks.Add(BlockKind.Heading, title, 1, 1);
        if (document.Body is not null)
            new Walker(blocks, cancellationToken).Visit(document.Body);
        return blocks.ToDocument() with { Title = title.Length > 0 ? title : null };
    }

    /// <summary>Adds the text of an HTML fragment (raw HTML inside Markdown) to the blocks.</summary>
    public static void AddFragment(string html, BlockList blocks, HtmlNestingFilter.Parser parser)
    {
        IHtmlDocument document = parser.Parse(html);
        RemoveNonText(document);
        if (document.Body is not null)
            new Walker(blocks, CancellationToken.None).Visit(document.Body);
    }

    private static void RemoveNonText(IDocument document)
    {
        foreach (IElement element in document.QuerySelectorAll(DroppedElements))
            element.Remove();
    }

    /// <summary>Walks the body in document order, gathering inline text until a block boundary.</summary>
    private sealed class Walker(BlockList blocks, CancellationToken cancellationToken)
    {
        private readonly StringBuilder _inline = new();

        public void Visit(INode root)
        {
            // Each element is pushed with its children; a block element also leaves a marker (null) that
            // flushes its text once its children are done.
            var pending = new Stack<INode?>();
            pending.Push(root);
            while (pending.TryPop(out INode? node))
            {
                if (node is null)
                    Flush();
                else
                    Visit(node, pending);
            }
        }

        private void Visit(INode node, Stack<INode?> pending)
        {
            if (node is IText text)
            {
                // Source line breaks are plain whitespace in HTML; only <br> makes a line ('\n' below).
                AppendSpaced(_inline, text.Data);
                return;
            }
            if (node is not IElement element)
                return; // comments, processing instructions

            string name = element.LocalName;
            if (name.Length == 2 && name[0] == 'h' && name[1] is >= '1' and <= '6')
            {
                Flush();
                cancellationToken.ThrowIfCancellationRequested();
                blocks.Add(BlockKind.Heading, TextOf(element), 1, name[1] - '0');
            }
            else if (element is IHtmlTableElement table)
            {
                Flush();
                cancellationToken.ThrowIfCancellationRequested();
                AddTable(table);
            }
            else if (IsPreformatted(element))
            {
                Flush();
                blocks.Add(BlockKind.Paragraph, PreformattedText(AllText(element)), 1);
            }
            else if (name == "br")
            {
                _inline.Append('\n');
            }
            else if (BlockElements.Contains(name))
            {
                Flush();
                pending.Push(null);
                PushChildren(element, pending);
            }
            else
            {
                PushChildren(element, pending);
            }
        }

        private void Flush()
        {
            if (_inline.Length == 0)
                return;
            cancellationToken.ThrowIfCancellationRequested();
            var lines = _inline.ToString().Split('\n').Select(TextHelpers.CollapseWhitespace).Where(l => l.Length > 0);
            blocks.Add(BlockKind.Paragraph, string.Join('\n', lines), 1);
            _inline.Clear();
        }

        private void AddTable(IHtmlTableElement table)
        {
            if (table.Caption is { } caption)
                blocks.Add(BlockKind.Paragraph, TextOf(caption), 1);
            // The header: rows of <thead>, or leading rows of <th> cells (TableWriter.HeaderRows).
            var rows = new List<IReadOnlyList<TableCellText>>();
            foreach (IHtmlTableRowElement row in table.Rows)
            {
                rows.Add(row.Cells
                    .Select(c => new TableCellText(TextOf(c), c.ColumnSpan, c.RowSpan, c.LocalName == "th"))
                    .ToList());
            }
            int marked = table.Head?.Rows.Length ?? 0;
            blocks.Add(BlockKind.Table, TableWriter.Write(rows, TableWriter.HeaderRows(rows, marked)), 1);
        }
    }

    /// <summary>All text inside an element on one line; line breaks and nested blocks become spaces.</summary>
    private static string TextOf(IElement element)
    {
        // Keep the words of neighbouring blocks, cells or lines apart ("a<br>b" is "a b"), but not those
        // split by inline markup ("mul<b>ti</b>" is "multi"). A separating element leaves a marker (null) that
        // adds the space after its children.
        var text = new StringBuilder();
        var pending = new Stack<INode?>();
        pending.Push(element);
        while (pending.TryPop(out INode? node))
        {
            if (node is null)
            {
                text.Append(' ');
            }
            else if (node is IText textNode)
            {
                text.Append(textNode.Data);
            }
            else if (node is IElement child && (BlockElements.Contains(child.LocalName) || WordSeparators.Contains(child.LocalName)))
            {
                text.Append(' ');
                pending.Push(null);
                PushChildren(child, pending);
            }
            else if (node is IElement)
            {
                PushChildren(node, pending);
            }
        }
        return TextHelpers.CollapseWhitespace(text.ToString());
    }

    /// <summary>The text of all text nodes inside a node, in document order (what TextContent gives, without recursion).</summary>
    private static string AllText(INode root)
    {
        var text = new StringBuilder();
        var pending = new Stack<INode?>();
        pending.Push(root);
        while (pending.TryPop(out INode? node))
        {
            if (node is IText textNode)
                text.Append(textNode.Data);
            else if (node is IElement)
                PushChildren(node, pending);
        }
        return text.ToString();
    }

    /// <summary>Pushes the children so that the first is popped first.</summary>
    private static void PushChildren(INode node, Stack<INode?> pending)
    {
        INodeList children = node.ChildNodes;
        for (int i = children.Length - 1; i >= 0; i--)
            pending.Push(children[i]);
    }

    /// <summary>A pre or listing element, which the nesting filter renames and marks.</summary>
    private static bool IsPreformatted(IElement element) =>
        element.LocalName is "pre" or "listing" || element.HasAttribute(HtmlNestingFilter.PreMarker);

    private static void AppendSpaced(StringBuilder builder, string text)
    {
        foreach (char c in text)
            builder.Append(c is '\n' or '\r' or '\t' or '\f' ? ' ' : c);
    }

    /// <summary>Preformatted text keeps its lines; only trailing spaces and blank edges go.</summary>
    private static string PreformattedText(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        return string.Join('\n', lines).Trim('\n');
    }
}
