using System.Collections.Frozen;
using System.Text;
using AngleSharp.Common;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using AngleSharp.Html.Parser.Tokens.Struct;
using AngleSharp.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction;

/// <summary>
/// Parses HTML with AngleSharp behind a filter on its tokens that keeps the tree shallow. AngleSharp's tree builder
/// scans its stack of open elements for most start and end tags, so n nested elements cost about n² steps, and it
/// recurses once per start tag in a run of &lt;pre&gt; tags, which overflows the stack. The filter follows the
/// builder's stack with a model of the HTML rules that open and close elements (implied ends of p, li, dd, dt,
/// option, table cells and rows; scopes; foreign content) and leaves out start tags that would nest deeper than
/// <see cref="MaxDepth"/>, with their end tags: the text inside stays, next to the elements around it, as Chromium
/// does past its own depth limit. The model is checked against the tree as it grows; a document that still nests
/// deeper than <see cref="RefusedDepth"/> is refused.
/// </summary>
/// <remarks>
/// Formatting tags (b, i, a, font, …) only change the look of text, but the builder reopens them after every block
/// and repairs their misnesting with the adoption agency algorithm, work that a page can multiply. The extractor
/// reads text only, so they are left out, and kept as spans where an attribute may hide them. &lt;pre&gt; and
/// &lt;listing&gt; become &lt;dir&gt; elements marked with <see cref="PreMarker"/>: the builder handles those the same
/// way, without the look-ahead for a first line break that bypasses this filter (and recurses).
/// </remarks>
internal sealed class HtmlNestingFilter
{
    /// <summary>Elements below body nest at most this deep; deeper start tags are left out.</summary>
    public const int MaxDepth = 256;

    /// <summary>A tree that still grows deeper than this (elements from the root) is refused.</summary>
    public const int RefusedDepth = MaxDepth + 64;

    /// <summary>The attribute that marks an element made from &lt;pre&gt; or &lt;listing&gt;.</summary>
    public const string PreMarker = "data-docqa-pre";

    private const NodeFlags Foreign = NodeFlags.SvgMember | NodeFlags.MathMember;

    private static readonly FrozenSet<string> FormattingNames = FrozenSet.Create(StringComparer.Ordinal,
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u");

    // Elements that the builder inserts and closes at once, or whose content the tokenizer reads as text up to
    // their own end tag, so that they are never open when the next tag comes.
    private static readonly FrozenSet<string> Leaves = FrozenSet.Create(StringComparer.Ordinal,
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "image", "input", "keygen",
        "link", "menuitem", "meta", "param", "source", "track", "wbr", "script", "style", "xmp", "iframe", "noembed",
        "noframes", "title", "textarea", "plaintext", "isindex", "html", "head", "body", "frameset");

    // Start tags that first close an open p (in button scope).
    private static readonly FrozenSet<string> ClosesParagraph = FrozenSet.Create(StringComparer.Ordinal,
        "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset",
        "figcaption", "figure", "footer", "header", "hgroup", "main", "menu", "nav", "ol", "p", "section", "summary",
        "ul", "h1", "h2", "h3", "h4", "h5", "h6", "xmp", "plaintext", "hr", "li", "dd", "dt");

    // End tags that close the nearest element of their name in scope.
    private static readonly FrozenSet<string> ScopedEndTags = FrozenSet.Create(StringComparer.Ordinal,
        "div", "ol", "ul", "dl", "fieldset", "button", "figcaption", "figure", "article", "aside", "blockquote", "center",
        "address", "dialog", "dir", "summary", "details", "footer", "header", "nav", "section", "menu", "hgroup", "main",
        "dd", "dt", "applet", "marquee", "object");

    private static readonly FrozenSet<string> TableTags = FrozenSet.Create(StringComparer.Ordinal,
        "caption", "colgroup", "col", "tbody", "thead", "tfoot", "tr", "td", "th", "table");

    // Elements whose presence decides how the builder reads the tags that follow (its insertion mode).
    private static readonly FrozenSet<string> ModeNames = FrozenSet.Create(StringComparer.Ordinal,
        "td", "th", "tr", "tbody", "thead", "tfoot", "caption", "table", "select", "template");

    // Tags that leave SVG or MathML content (font only with color, face or size).
    private static readonly FrozenSet<string> Breakouts = FrozenSet.Create(StringComparer.Ordinal,
        "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "embed", "head", "hr",
        "i", "img", "li", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "listing", "menu", "meta", "nobr", "ol", "p", "pre",
        "ruby", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tt", "u", "var");

    // SVG element names in mixed case, which the builder restores from the lower-case tag names.
    private static readonly FrozenDictionary<string, string> SvgNames = new[]
    {
        "altGlyph", "altGlyphDef", "altGlyphItem", "animateColor", "animateMotion", "animateTransform", "clipPath",
        "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix", "feDiffuseLighting",
        "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
        "feGaussianBlur", "feImage", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight",
        "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence", "foreignObject", "glyphRef", "linearGradient",
        "radialGradient", "textPath",
    }.ToFrozenDictionary(n => n.ToLowerInvariant(), StringComparer.Ordinal);

    // AngleSharp's own flags (special, scoped, …) of the HTML elements with any, read from the elements it creates.
    private static readonly FrozenDictionary<string, (string Name, NodeFlags Flags)> KnownTags = ReadHtmlFlags();
    private static readonly FrozenDictionary<string, (string Name, NodeFlags Flags)>.AlternateLookup<ReadOnlySpan<char>> KnownTagsBySpan =
        KnownTags.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <param name="SetsMode">Whether the element decides how the tags inside it are read (a table cell, say, but not a
    /// cell element that a select holds as an unknown element).</param>
    /// <param name="TemplateMode">For a template, how its content is read once its first tag has decided it.</param>
    private readonly record struct Entry(string Name, NodeFlags Flags, bool SetsMode = true, int Mode = -1, string? TemplateMode = null);

    // The model of the builder's stack of open elements below body. Mode is the index of the nearest entry at or
    // below this one whose name is in ModeNames, or -1.
    private readonly List<Entry> _open = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    // Start tags left out past MaxDepth, by name, whose end tags are left out too.
    private readonly Dictionary<string, int> _ghosts = new(StringComparer.Ordinal);
    private int _ghostLevel = int.MaxValue;
    // For each formatting tag name, whether each open start tag was passed on as a span.
    private readonly Dictionary<string, List<bool>> _formatting = new(StringComparer.Ordinal);
    private readonly List<Entry> _pushes = new(3);
    // What each open pre or listing tag was renamed to.
    private readonly List<string> _preformatted = [];
    private bool _formOpen;
    private bool _quirks = true;
    private readonly StringBuilder _space = new();
    private bool _started;
    private IElement? _created;

    private HtmlNestingFilter()
    {
    }

    public static IHtmlDocument Parse(string html) => new Parser().Parse(html);

    /// <summary>Parses one document after another with the same AngleSharp parser, which is costly to set up.</summary>
    public sealed class Parser
    {
        private readonly HtmlParser _parser;
        private HtmlNestingFilter? _filter;

        public Parser()
        {
            _parser = new HtmlParser(new HtmlParserOptions { OnCreated = (element, _) => _filter!._created = element });
        }

        public IHtmlDocument Parse(string html)
        {
            _filter = new HtmlNestingFilter();
            return (IHtmlDocument)_parser.ParseDocument<Document, Element>(new TextSource(html), _filter.Filter);
        }
    }

    private TokenConsumptionResult Filter(ref StructHtmlToken token, TokenConsumer next)
    {
        if (token.Type == HtmlTokenType.Character && !KeepSpace(ref token))
            return TokenConsumptionResult.Continue;
        if (token.Type == HtmlTokenType.Doctype && !_started)
            _quirks = token.IsFullQuirks;
        _started |= token.Type is HtmlTokenType.StartTag or HtmlTokenType.EndTag or HtmlTokenType.Doctype;
        bool pass = token.Type switch
        {
            HtmlTokenType.StartTag => StartTag(ref token),
            HtmlTokenType.EndTag => EndTag(ref token),
            _ => true,
        };
        if (!pass)
            return TokenConsumptionResult.Continue;
        _created = null;
        next(ref token);
        if (_created is not null)
            CheckDepth(_created);
        return TokenConsumptionResult.Continue;
    }

    /// <summary>
    /// Holds back text that is only white space and puts it in front of the next text. AngleSharp's builder drops
    /// white-space-only text when it parses with a token filter, but that space may be all that separates two words
    /// ("&lt;b&gt;one&lt;/b&gt; &lt;i&gt;two&lt;/i&gt;"). Moved forward, it still stands between the same words.
    /// </summary>
    private bool KeepSpace(ref StructHtmlToken token)
    {
        ReadOnlySpan<char> text = token.Data.Memory.Span;
        if (text.Trim(" \t\n\r\f").IsEmpty)
        {
            _space.Append(text);
            return false;
        }
        if (_space.Length > 0)
        {
            token.Name = new StringOrMemory(_space.Append(text).ToString());
            _space.Clear();
        }
        return true;
    }

    /// <summary>The backstop for what the model misses: the element just inserted must not be too deep.</summary>
    private static void CheckDepth(IElement element)
    {
        int depth = 0;
        for (IElement? node = element; node is not null; node = node.ParentElement)
        {
            if (++depth > RefusedDepth)
                throw new ExtractionException($"the HTML nests elements more than {RefusedDepth} deep");
        }
    }

    private bool StartTag(ref StructHtmlToken token)
    {
        string name = NameOf(token.Name, out NodeFlags flags);
        bool breakout = false;
        if (InForeignContent(name, isStart: true))
        {
            if (!IsBreakout(name, ref token))
            {
                // An SVG or MathML element; a self-closing one is closed at once.
                if (token.IsSelfClosing)
                    return true;
                _pushes.Clear();
                _pushes.Add(ForeignEntry(name, ref token));
                return Commit(_open.Count, name);
            }
            // The tag closes the SVG or MathML content, so it has to reach the builder.
            PopForeign();
            breakout = true;
        }

        if (FormattingNames.Contains(name))
        {
            List<bool> open = FormattingDecisions(name);
            if (!breakout && !MayHide(ref token))
            {
                open.Add(false);
                return false;
            }
            token.Name = "span";
            bool passed = HtmlStartTag(ref token, "span", FlagsOf("span"), ghost: null);
            open.Add(passed);
            return passed;
        }
        if (name is "pre" or "listing")
        {
            // dir is as rare as it is obsolete, so its end tag hardly ever meets one from the page; div takes its
            // place where the tag has to end SVG or MathML content, which dir does not.
            string renamed = breakout ? "div" : "dir";
            _preformatted.Add(renamed);
            token.Name = renamed;
            token.AddAttribute(PreMarker, "");
            return HtmlStartTag(ref token, renamed, FlagsOf(renamed), ghost: renamed);
        }
        return HtmlStartTag(ref token, name, flags, ghost: name);
    }

    private bool HtmlStartTag(ref StructHtmlToken token, string name, NodeFlags flags, string? ghost)
    {
        int top = _open.Count;
        _pushes.Clear();
        if (name == "form" && ModeAt(top) is "table" or "tbody" or "thead" or "tfoot" or "tr")
        {
            // A form directly in a table is closed at once.
            _formOpen = true;
            return true;
        }
        if (TableTags.Contains(name) || ModeAt(top) is "select" or "template")
            TableOrSelectStart(name, flags, ref top, ref token);
        else
            BodyStart(name, flags, ref top, ref token);
        return Commit(top, ghost);
    }

    /// <summary>Start tags in the body; false when the tag opens nothing.</summary>
    private bool BodyStart(string name, NodeFlags flags, ref int top, ref StructHtmlToken token)
    {
        if (Leaves.Contains(name))
        {
            if (name is "xmp" or "plaintext" or "hr")
                CloseParagraph(ref top);
            return false;
        }
        switch (name)
        {
            case "li":
                CloseListItem(ref top, "li", null);
                break;
            case "dd" or "dt":
                CloseListItem(ref top, "dd", "dt");
                break;
            case "button":
                if (FindInScope(top, "button", NodeFlags.Scoped) is int button and >= 0)
                    top = button;
                break;
            case "option" or "optgroup":
                if (top > 0 && _open[top - 1].Name == "option")
                    top--;
                break;
            case "form":
                if (_formOpen)
                    return false;
                _formOpen = true;
                break;
            case "rb" or "rtc" or "rp" or "rt":
                if (FindInScope(top, "ruby", NodeFlags.Scoped) >= 0)
                {
                    while (top > 0 && (_open[top - 1].Flags & NodeFlags.ImpliedEnd) != 0 && (name is "rb" or "rtc" || _open[top - 1].Name != "rtc"))
                        top--;
                }
                break;
        }
        if (ClosesParagraph.Contains(name) || name == "form")
            CloseParagraph(ref top);
        if (name.Length == 2 && name[0] == 'h' && name[1] is >= '1' and <= '6' && top > 0 && IsHeading(_open[top - 1].Name))
            top--;
        if (name is "svg" or "math")
        {
            if (token.IsSelfClosing)
                return false;
            _pushes.Add(new Entry(name, name == "svg" ? NodeFlags.SvgMember : NodeFlags.MathMember));
            return true;
        }
        _pushes.Add(new Entry(name, flags));
        return true;
    }

    /// <summary>Table tags, and any tag inside a select or a template; false when the tag opens nothing.</summary>
    private bool TableOrSelectStart(string name, NodeFlags flags, ref int top, ref StructHtmlToken token)
    {
        while (true)
        {
            int mode = top > 0 ? _open[top - 1].Mode : -1;
            string modeName = mode < 0 ? "body" : _open[mode].TemplateMode ?? _open[mode].Name;
            bool template = mode >= 0 && _open[mode].Name == "template";
            if (!TableTags.Contains(name) && modeName is not ("select" or "template"))
                return BodyStart(name, flags, ref top, ref token);
            switch (modeName)
            {
                case "td" or "th" or "caption":
                    if (name == "table")
                        return BodyTable(flags, ref top);
                    top = mode; // closes the cell or caption, and the tag is read again
                    continue;
                case "tr":
                    if (name is "td" or "th")
                        return Open(ref top, mode + 1, name, flags);
                    if (name == "table")
                        return CloseTableAndRetry(ref top) || BodyTable(flags, ref top);
                    if (template)
                        return false;
                    top = mode;
                    continue;
                case "tbody" or "thead" or "tfoot":
                    if (name == "tr")
                        return Open(ref top, mode + 1, name, flags);
                    if (name is "td" or "th")
                    {
                        Open(ref top, mode + 1, "tr", FlagsOf("tr"));
                        _pushes.Add(new Entry(name, flags));
                        return true;
                    }
                    if (name == "table")
                        return CloseTableAndRetry(ref top) || BodyTable(flags, ref top);
                    if (template)
                        return false;
                    top = mode;
                    continue;
                case "table":
                    switch (name)
                    {
                        case "caption" or "tbody" or "thead" or "tfoot":
                            return Open(ref top, mode + 1, name, flags);
                        case "colgroup" or "col":
                            top = mode + 1; // the column group closes at the next tag that is not a col
                            return false;
                        case "tr":
                            Open(ref top, mode + 1, "tbody", FlagsOf("tbody"));
                            _pushes.Add(new Entry(name, flags));
                            return true;
                        case "td" or "th":
                            Open(ref top, mode + 1, "tbody", FlagsOf("tbody"));
                            _pushes.Add(new Entry("tr", FlagsOf("tr")));
                            _pushes.Add(new Entry(name, flags));
                            return true;
                        case "table" when !template:
                            top = mode;
                            continue;
                    }
                    return false;
                case "select":
                    return SelectStart(name, flags, ref top, mode, ref token);
                case "template":
                    // The first tag in a template decides how the rest of its content is read.
                    _open[mode] = _open[mode] with
                    {
                        TemplateMode = name switch
                        {
                            "caption" or "colgroup" or "col" or "tbody" or "thead" or "tfoot" => "table",
                            "tr" => "tbody",
                            "td" or "th" => "tr",
                            _ => "body",
                        },
                    };
                    continue;
                default:
                    // In the body, table tags other than table itself are ignored.
                    return name == "table" && BodyTable(flags, ref top);
            }
        }
    }

    private bool SelectStart(string name, NodeFlags flags, ref int top, int select, ref StructHtmlToken token)
    {
        string? outside = select > 0 && _open[select - 1].Mode is int below and >= 0 ? _open[below].TemplateMode ?? _open[below].Name : null;
        bool inTable = outside is "table" or "tbody" or "thead" or "tfoot" or "tr" or "td" or "th" or "caption";
        switch (name)
        {
            case "option":
                if (top > 0 && _open[top - 1].Name == "option")
                    top--;
                return Open(ref top, top, name, flags);
            case "optgroup":
                if (top > 0 && _open[top - 1].Name == "option")
                    top--;
                if (top > 0 && _open[top - 1].Name == "optgroup")
                    top--;
                return Open(ref top, top, name, flags);
            case "select":
                top = select;
                return false;
            case "input" or "keygen" or "textarea":
                if (InSelectScope(top))
                    top = select;
                return false;
            case "button":
                return Open(ref top, top, name, flags);
            case "template":
                return Open(ref top, top, name, flags);
            case "script" or "xmp" or "html":
                return false;
            case "caption" or "table" or "tbody" or "tfoot" or "thead" or "tr" or "td" or "th" when inTable:
                top = select;
                return TableOrSelectStart(name, flags, ref top, ref token);
            default:
                // Other elements open inside an option or button, but not directly in the select; they do not
                // change how the select's content is read.
                if (top > 0 && _open[top - 1].Name == "select")
                    return false;
                _pushes.Add(new Entry(name, flags, SetsMode: false));
                return true;
        }
    }

    private bool BodyTable(NodeFlags flags, ref int top)
    {
        // Without a doctype that asks for standards mode, a table does not close an open p.
        if (!_quirks)
            CloseParagraph(ref top);
        _pushes.Add(new Entry("table", flags));
        return true;
    }

    private bool CloseTableAndRetry(ref int top)
    {
        int table = FindInScope(top, "table", NodeFlags.HtmlTableScoped);
        if (table < 0)
            return true; // ignored
        top = table;
        return false;
    }

    private bool Open(ref int top, int newTop, string name, NodeFlags flags)
    {
        top = newTop;
        _pushes.Add(new Entry(name, flags));
        return true;
    }

    private bool EndTag(ref StructHtmlToken token)
    {
        string name = NameOf(token.Name, out _);
        if (name is "pre" or "listing")
        {
            name = _preformatted.Count > 0 ? _preformatted[^1] : "dir";
            if (_preformatted.Count > 0)
                _preformatted.RemoveAt(_preformatted.Count - 1);
            token.Name = name;
        }
        if (InForeignContent(name, isStart: false))
        {
            // Close the nearest SVG or MathML element of that name, unless an HTML element comes first.
            for (int i = _open.Count - 1; i >= 0 && (_open[i].Flags & Foreign) != 0; i--)
            {
                if (string.Equals(_open[i].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    PopTo(i);
                    return true;
                }
            }
        }

        if (FormattingNames.Contains(name))
        {
            List<bool> open = FormattingDecisions(name);
            if (open.Count == 0)
                return false;
            bool passed = open[^1];
            open.RemoveAt(open.Count - 1);
            if (!passed)
            {
                if (_open.Count == 0 || (_open[^1].Flags & Foreign) == 0)
                    return false;
                // The builder would close SVG or MathML content opened inside the formatting element; a </br>
                // (read as <br>) closes it too.
                token.Name = "br";
                name = "br";
            }
            else
            {
                token.Name = "span";
                name = "span";
            }
        }

        if (_ghosts.TryGetValue(name, out int ghosts) && ghosts > 0)
        {
            _ghosts[name] = ghosts - 1;
            return false;
        }

        int top = _open.Count;
        int mode = top > 0 ? _open[top - 1].Mode : -1;
        if (mode >= 0 && _open[mode].Name == "select")
        {
            SelectEnd(name, top, mode);
            return true;
        }
        switch (name)
        {
            case "td" or "th":
                // Either end tag closes the cell, td or th.
                int td = FindInScope(top, "td", NodeFlags.HtmlTableScoped), th = FindInScope(top, "th", NodeFlags.HtmlTableScoped);
                if (Math.Max(td, th) >= 0)
                    PopTo(Math.Max(td, th));
                break;
            case "table" or "tbody" or "thead" or "tfoot" or "tr" or "caption":
                if (FindInScope(top, name, NodeFlags.HtmlTableScoped) is int part and >= 0)
                    PopTo(part);
                break;
            case "template":
                if (_counts.GetValueOrDefault("template") > 0)
                    PopTo(_open.FindLastIndex(e => e.Name == "template"));
                break;
            case "p":
                if (FindInScope(top, "p", NodeFlags.Scoped, "button") is int p and >= 0)
                    PopTo(p);
                else
                    PopForeign(); // the builder opens and closes a p, which ends SVG or MathML content
                break;
            case "li":
                if (FindInScope(top, "li", NodeFlags.Scoped | NodeFlags.HtmlListScoped) is int li and >= 0)
                    PopTo(li);
                break;
            case "h1" or "h2" or "h3" or "h4" or "h5" or "h6":
                for (int i = top - 1; i >= 0; i--)
                {
                    if (IsHeading(_open[i].Name))
                    {
                        PopTo(i);
                        break;
                    }
                    if ((_open[i].Flags & NodeFlags.Scoped) != 0)
                        break;
                }
                break;
            case "form":
                _formOpen = false;
                if (FindInScope(top, "form", NodeFlags.Scoped) is int form and >= 0)
                {
                    while (_open.Count > 0 && (_open[^1].Flags & NodeFlags.ImpliedEnd) != 0 && _open.Count - 1 > form)
                        PopTo(_open.Count - 1);
                    RemoveAt(form);
                }
                break;
            case "br":
                PopForeign(); // read as <br>
                break;
            case "body" or "html" or "colgroup" or "col":
                break;
            default:
                if (ScopedEndTags.Contains(name))
                {
                    if (FindInScope(top, name, NodeFlags.Scoped) is int block and >= 0)
                        PopTo(block);
                    break;
                }
                // Any other end tag closes the nearest element of its name, unless a special element comes first.
                for (int i = top - 1; i >= 0; i--)
                {
                    if (_open[i].Name == name)
                    {
                        PopTo(i);
                        break;
                    }
                    if ((_open[i].Flags & NodeFlags.Special) != 0)
                        break;
                }
                break;
        }
        return true;
    }

    private void SelectEnd(string name, int top, int select)
    {
        switch (name)
        {
            case "template":
                PopTo(_open.FindLastIndex(e => e.Name == "template"));
                break;
            case "option":
                if (_open[top - 1].Name == "option")
                    PopTo(top - 1);
                break;
            case "optgroup":
                if (_open[top - 1].Name == "option" && top >= 2 && _open[top - 2].Name == "optgroup")
                    PopTo(top - 2);
                else if (_open[top - 1].Name == "optgroup")
                    PopTo(top - 1);
                break;
            case "select":
                if (InSelectScope(top))
                    PopTo(select);
                break;
            case "caption" or "table" or "tbody" or "tfoot" or "thead" or "tr" or "td" or "th":
                if (FindInScope(top, name, NodeFlags.HtmlTableScoped) is int table and >= 0 && table < select)
                    PopTo(table);
                break;
            default:
                if (_open[top - 1].Name == name && name != "select")
                    PopTo(top - 1);
                break;
        }
    }

    /// <summary>Applies the pops and pushes worked out for a start tag, or leaves the tag out when it nests too deep.</summary>
    private bool Commit(int top, string? ghost)
    {
        if (_pushes.Count > 0 && top + _pushes.Count > MaxDepth)
        {
            if (ghost is not null)
            {
                if (_ghostLevel == int.MaxValue)
                    _ghostLevel = _open.Count;
                _ghosts[ghost] = _ghosts.GetValueOrDefault(ghost) + 1;
            }
            return false;
        }
        PopTo(top);
        foreach (Entry entry in _pushes)
        {
            int below = _open.Count > 0 ? _open[^1].Mode : -1;
            _open.Add(entry with { Mode = SetsMode(entry) ? _open.Count : below });
            _counts[entry.Name] = _counts.GetValueOrDefault(entry.Name) + 1;
        }
        return true;
    }

    private void PopTo(int count)
    {
        if (count < 0)
            return;
        while (_open.Count > count)
        {
            _counts[_open[^1].Name]--;
            _open.RemoveAt(_open.Count - 1);
        }
        ForgetGhosts();
    }

    private void RemoveAt(int index)
    {
        _counts[_open[index].Name]--;
        _open.RemoveAt(index);
        for (int i = index; i < _open.Count; i++)
        {
            int below = i > 0 ? _open[i - 1].Mode : -1;
            _open[i] = _open[i] with { Mode = SetsMode(_open[i]) ? i : below };
        }
        ForgetGhosts();
    }

    private static bool SetsMode(Entry entry) => entry.SetsMode && (entry.Flags & Foreign) == 0 && ModeNames.Contains(entry.Name);

    // Left-out tags were inside the element that was current when they came; once it closes, so have they.
    private void ForgetGhosts()
    {
        if (_open.Count < _ghostLevel)
        {
            _ghosts.Clear();
            _ghostLevel = int.MaxValue;
        }
    }

    private string? ModeAt(int top) => top > 0 && _open[top - 1].Mode is int mode and >= 0 ? _open[mode].Name : null;

    /// <summary>The index of the nearest entry below top with that name, or -1 when an element of the given kind comes first.</summary>
    private int FindInScope(int top, string name, NodeFlags boundaries, string? boundaryName = null)
    {
        if (_counts.GetValueOrDefault(name) == 0)
            return -1;
        for (int i = top - 1; i >= 0; i--)
        {
            if (_open[i].Name == name && (_open[i].Flags & Foreign) == 0)
                return i;
            if ((_open[i].Flags & boundaries) != 0 || _open[i].Name == boundaryName)
                return -1;
        }
        return -1;
    }

    /// <summary>Whether only options and option groups stand between the top and the nearest select.</summary>
    private bool InSelectScope(int top)
    {
        for (int i = top - 1; i >= 0; i--)
        {
            if (_open[i].Name == "select")
                return true;
            if ((_open[i].Flags & NodeFlags.HtmlSelectScoped) == 0)
                return false;
        }
        return false;
    }

    private void CloseParagraph(ref int top)
    {
        if (FindInScope(top, "p", NodeFlags.Scoped, "button") is int p and >= 0)
            top = p;
    }

    /// <summary>A new li (or dd, dt) closes the nearest open one, unless a special element other than address, div or p comes first.</summary>
    private void CloseListItem(ref int top, string name, string? other)
    {
        for (int i = top - 1; i >= 0; i--)
        {
            Entry entry = _open[i];
            if (entry.Name == name || entry.Name == other)
            {
                top = i;
                return;
            }
            if ((entry.Flags & NodeFlags.Special) != 0 && entry.Name is not ("address" or "div" or "p"))
                return;
        }
    }

    /// <summary>Whether the builder reads this tag as SVG or MathML content rather than HTML.</summary>
    private bool InForeignContent(string name, bool isStart)
    {
        if (_open.Count == 0)
            return false;
        NodeFlags current = _open[^1].Flags;
        if ((current & Foreign) == 0)
            return false;
        if (isStart && (current & NodeFlags.HtmlTip) != 0)
            return false;
        if ((current & NodeFlags.MathTip) != 0 && !(isStart && name is "mglyph" or "malignmark"))
            return false;
        return !(isStart && name == "svg" && _open[^1].Name == "annotation-xml");
    }

    private static bool IsBreakout(string name, ref StructHtmlToken token)
    {
        if (name != "font")
            return Breakouts.Contains(name);
        for (int i = 0; i < token.Attributes.Count; i++)
        {
            if (token.Attributes[i].Name is var attribute && (attribute == "color" || attribute == "face" || attribute == "size"))
                return true;
        }
        return false;
    }

    /// <summary>Closes SVG and MathML elements up to the nearest HTML element or integration point.</summary>
    private void PopForeign()
    {
        int top = _open.Count;
        while (top > 0 && (_open[top - 1].Flags & (NodeFlags.HtmlMember | NodeFlags.MathTip | NodeFlags.HtmlTip)) == 0)
            top--;
        PopTo(top);
    }

    private Entry ForeignEntry(string name, ref StructHtmlToken token)
    {
        bool math = (_open[^1].Flags & NodeFlags.MathMember) != 0;
        if (!math && SvgNames.TryGetValue(name, out string? adjusted))
            name = adjusted; // as the builder names it, which HTML end tags (all lower case) never match
        NodeFlags flags = math ? NodeFlags.MathMember : NodeFlags.SvgMember;
        if (math && name is "mi" or "mo" or "mn" or "ms" or "mtext")
            flags |= NodeFlags.Special | NodeFlags.Scoped | NodeFlags.MathTip;
        else if (math && name == "annotation-xml")
        {
            flags |= NodeFlags.Special | NodeFlags.Scoped;
            string encoding = token.GetAttribute("encoding").ToString();
            if (encoding.Equals("text/html", StringComparison.OrdinalIgnoreCase) || encoding.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase))
                flags |= NodeFlags.HtmlTip;
        }
        else if (!math && name is "foreignObject" or "desc" or "title")
            flags |= NodeFlags.Special | NodeFlags.Scoped | NodeFlags.HtmlTip;
        return new Entry(name, flags);
    }

    /// <summary>Whether the tag hides its content the way the extractor looks for: hidden, or a style with display: none.</summary>
    private static bool MayHide(ref StructHtmlToken token)
    {
        for (int i = 0; i < token.Attributes.Count; i++)
        {
            var attribute = token.Attributes[i];
            if (attribute.Name == "hidden")
                return true;
            if (attribute.Name == "style" && attribute.Value.Memory.Span is var style
                && (style.Contains("display:none", StringComparison.Ordinal) || style.Contains("display: none", StringComparison.Ordinal)))
                return true;
        }
        return false;
    }

    private List<bool> FormattingDecisions(string name)
    {
        if (!_formatting.TryGetValue(name, out List<bool>? open))
            _formatting[name] = open = [];
        return open;
    }

    private static NodeFlags FlagsOf(string name) => KnownTags[name].Flags;

    private static bool IsHeading(string name) => name.Length == 2 && name[0] == 'h' && name[1] is >= '1' and <= '6';

    /// <summary>The tag's name, shared for known HTML names, with AngleSharp's flags for it.</summary>
    private static string NameOf(StringOrMemory name, out NodeFlags flags)
    {
        if (KnownTagsBySpan.TryGetValue(name.Memory.Span, out var known))
        {
            flags = known.Flags;
            return known.Name;
        }
        flags = NodeFlags.HtmlMember;
        return name.ToString();
    }

    private static FrozenDictionary<string, (string Name, NodeFlags Flags)> ReadHtmlFlags()
    {
        string[] names =
        [
            "a", "abbr", "address", "applet", "area", "article", "aside", "audio", "b", "base", "basefont", "bdi", "bdo",
            "bgsound", "big", "blockquote", "body", "br", "button", "canvas", "caption", "center", "cite", "code", "col",
            "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "embed",
            "fieldset", "figcaption", "figure", "font", "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5",
            "h6", "head", "header", "hgroup", "hr", "html", "i", "iframe", "image", "img", "input", "ins", "isindex", "kbd",
            "keygen", "label", "legend", "li", "link", "listing", "main", "map", "mark", "marquee", "math", "menu", "menuitem",
            "meta", "meter", "nav", "nobr", "noembed", "noframes", "noscript", "object", "ol", "optgroup", "option", "output",
            "p", "param", "picture", "plaintext", "pre", "progress", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp",
            "script", "search", "section", "select", "slot", "small", "source", "span", "strike", "strong", "style", "sub",
            "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "time", "title",
            "tr", "track", "tt", "u", "ul", "var", "video", "wbr", "xmp",
        ];
        IDocument document = new HtmlParser().ParseDocument("");
        return names.ToFrozenDictionary(n => n, n => (n, ((Node)document.CreateElement(n)).Flags | NodeFlags.HtmlMember), StringComparer.Ordinal);
    }
}
