using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Core.Chunking;

/// <summary>
/// Splits a document into chunks that fit the embedding model's window.
/// <para>
/// Blocks are broken into pieces (whole tables that fit, else lines, then sentences, then runs of words, and as a
/// last resort parts of an over-long word) whose tokens are counted once each; pieces are then packed into chunks
/// of about <see cref="ChunkingOptions.TargetTokens"/>. Cuts fall between blocks where the chunk is already half
/// full, else between lines, else between sentences. The next chunk of the same section starts with the last
/// whole sentences or lines of the previous one. Headings start a new section: they end the current chunk and
/// become the heading path of the chunks that follow.
/// </para>
/// </summary>
public sealed class Chunker(ITokenCounter tokens, ChunkingOptions? options = null)
{
    private readonly ITokenCounter _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
    private readonly ChunkingOptions _options = Validate(options ?? new ChunkingOptions());

    /// <param name="title">
    /// The document's name, kept at the root of every chunk's heading path: a passage read alone then still says
    /// which document it comes from ("2023 Q3 AAPL > Item 2 > Net sales"), for the embedding and for BM25 alike.
    /// </param>
    public IReadOnlyList<Chunk> Split(ExtractedDocument document, CancellationToken ct = default, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var run = new Run(_tokens, _options, title);
        foreach (var block in document.Blocks)
        {
            ct.ThrowIfCancellationRequested();
            run.Add(block);
        }
        run.Finish();
        return run.Chunks;
    }

    private static ChunkingOptions Validate(ChunkingOptions options)
    {
        if (options.TargetTokens < 1 || options.MaxTokens < 1 || options.OverlapTokens < 0 || options.MaxHeadingTokens < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "Chunk sizes must be positive and the overlap not negative.");
        return options;
    }

    /// <summary>What goes between a piece and the one before it in a chunk's text.</summary>
    private enum Joint { None, Space, Line, Block }

    /// <summary>
    /// Whole pieces are sentences, lines or tables; only those are repeated as overlap. A piece with a lead (a later
    /// part of a split table, led by the table's title and header rows) starts a chunk, and its lead is not embedded.
    /// </summary>
    private readonly record struct Piece(string Text, int Page, int Tokens, Joint Joint, bool Whole, string? Lead = null);

    /// <summary>The state of splitting one document.</summary>
    private sealed class Run
    {
        private readonly ITokenCounter _counter;
        private readonly ChunkingOptions _options;
        private readonly int _headingBudget;

        private readonly List<(int Level, string Text)> _path = [];
        private readonly List<DocumentBlock> _headingBlocks = [];
        private string? _heading;
        private int _headingTokens;
        private int _limit, _target, _overlap;

        // The pieces of the block being added, and where each of its lines starts.
        private readonly List<Piece> _blockPieces = [];
        private readonly List<(int Start, int Tokens)> _lines = [];

        // The chunk being filled; its first _overlapCount pieces repeat the end of the previous chunk.
        private readonly List<Piece> _current = [];
        private int _currentTokens, _overlapCount, _overlapTokens;

        // Where the last block's pieces start in _current when that block was a short paragraph, which a table
        // right after it takes as its caption; -1 when there is none.
        private int _captionFrom = -1;

        public Run(ITokenCounter counter, ChunkingOptions options, string? title)
        {
            _counter = counter;
            _options = options;
            // A heading may take at most a quarter of a small window, so that text always has room.
            _headingBudget = Math.Max(1, Math.Min(options.MaxHeadingTokens, counter.MaxTextTokens / 4));
            title = title is null ? null : string.Join(' ', title.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (!string.IsNullOrEmpty(title) && counter.CountTokens(title) <= _headingBudget / 2)
                _path.Add((0, title)); // level 0: no heading of the document replaces it
            UpdateHeading();
        }

        public List<Chunk> Chunks { get; } = [];

        private bool HasNewText => _current.Count > _overlapCount;

        public void Add(DocumentBlock block)
        {
            EndChunkAtNewPage(block);
            switch (block.Kind)
            {
                case BlockKind.Heading: AddHeading(block); break;
                case BlockKind.Table: AddTable(block); break;
                default: AddParagraph(block); return;
            }
            _captionFrom = -1;
        }

        public void Finish()
        {
            Flush(carryOverlap: false);

            // A document of nothing but headings still gets its text searched.
            if (Chunks.Count == 0 && _headingBlocks.Count > 0)
            {
                _path.Clear();
                _heading = null;
                _headingTokens = 0;
                SetLimits();
                foreach (var block in _headingBlocks)
                {
                    EndChunkAtNewPage(block);
                    AddParagraph(block);
                }
                Flush(carryOverlap: false);
            }
        }

        /// <summary>
        /// A chunk stays on one page, so that the page its citation names holds all of its text, the quoted line
        /// included (as page-wise PDF readers do): a block on another page ends the chunk, without overlap.
        /// </summary>
        private void EndChunkAtNewPage(DocumentBlock block)
        {
            if (HasNewText && _current[^1].Page != block.Page)
                Flush(carryOverlap: false);
        }

        private void SetLimits()
        {
            // The heading goes before the text in what the model reads; one token is kept spare for the line break.
            _limit = Math.Max(1, Math.Min(_options.MaxTokens, _counter.MaxTextTokens - _headingTokens - 1));
            _target = Math.Clamp(_options.TargetTokens, 1, _limit);
            _overlap = Math.Min(_options.OverlapTokens, _target / 2);
        }

        private void AddHeading(DocumentBlock block)
        {
            string text = string.Join(' ', block.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (text.Length == 0)
                return;

            // Text this long is a paragraph mistaken for a heading: keep it as text rather than lose it.
            if (_counter.CountTokens(text) > _headingBudget)
            {
                AddParagraph(block);
                return;
            }

            Flush(carryOverlap: false);
            if (_headingBlocks.Count < 64)
                _headingBlocks.Add(block);

            int level = Math.Max(1, block.HeadingLevel);
            _path.RemoveAll(h => h.Level >= level);
            _path.Add((level, text));

            UpdateHeading();
        }

        /// <summary>
        /// The full path gives each chunk its context ("Part II > Item 7 > Liquidity"); when it is too long the
        /// outermost headings below the document's title go first, since the nearest heading says most about the text.
        /// </summary>
        private void UpdateHeading()
        {
            var keep = _path.Where(h => h.Level == 0).Take(1).ToList();
            var levels = _path.Where(h => h.Level > 0).ToList();
            int first = 0;
            string heading = JoinPath(keep, levels, first);
            int headingTokens = heading.Length == 0 ? 0 : _counter.CountTokens(heading);
            while (headingTokens > _headingBudget && first < levels.Count - 1)
            {
                first++;
                heading = JoinPath(keep, levels, first);
                headingTokens = _counter.CountTokens(heading);
            }
            if (headingTokens > _headingBudget && keep.Count > 0)
            {
                heading = JoinPath([], levels, first);
                headingTokens = _counter.CountTokens(heading);
            }
            _heading = heading.Length == 0 ? null : heading;
            _headingTokens = headingTokens;
            SetLimits();
        }

        private static string JoinPath(List<(int Level, string Text)> keep, List<(int Level, string Text)> levels, int first) =>
            string.Join(" > ", keep.Concat(levels.Skip(first)).Select(h => h.Text));

        private void AddParagraph(DocumentBlock block)
        {
            _blockPieces.Clear();
            _lines.Clear();
            foreach (string raw in block.Text.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0)
                    continue;
                int start = _blockPieces.Count;
                var joint = start == 0 ? Joint.Block : Joint.Line;
                int lineTokens = 0;
                foreach (string sentence in SentenceSplitter.Split(line))
                {
                    lineTokens += AddUnit(_blockPieces, sentence, joint, block.Page);
                    joint = Joint.Space;
                }
                _lines.Add((start, lineTokens));
            }
            int chunks = Chunks.Count, from = _current.Count;
            AddBlockPieces();
            // A short paragraph packed without a cut may be the caption of a table that follows.
            _captionFrom = Chunks.Count == chunks && _current.Count > from && from >= _overlapCount
                && _lines.Sum(l => l.Tokens) <= MaxCaptionTokens ? from : -1;
        }

        /// <summary>A paragraph right before a table and at most this long is the table's caption.</summary>
        private const int MaxCaptionTokens = 48;

        /// <summary>
        /// Takes the caption of the table being added out of the chunk being filled: the short paragraph just
        /// before it on the same page ("CONDENSED CONSOLIDATED STATEMENTS OF CASH FLOWS (In millions)").
        /// </summary>
        private (string Text, int Tokens)? TakeCaption(int page)
        {
            int from = _captionFrom;
            _captionFrom = -1;
            if (from < 0 || from < _overlapCount || from >= _current.Count || _current.Skip(from).Any(p => p.Page != page))
                return null;
            var text = new StringBuilder();
            int tokens = 0;
            for (int i = from; i < _current.Count; i++)
            {
                if (i > from)
                    text.Append(_current[i].Joint switch { Joint.Block => "\n\n", Joint.Line => "\n", Joint.Space => " ", _ => "" });
                text.Append(_current[i].Text);
                tokens += _current[i].Tokens;
            }
            _current.RemoveRange(from, _current.Count - from);
            _currentTokens -= tokens;
            return (text.ToString(), tokens);
        }

        private void AddTable(DocumentBlock block)
        {
            _blockPieces.Clear();
            _lines.Clear();
            var rows = block.Text.Split('\n').Select(r => r.Trim()).Where(r => r.Length > 0).ToList();
            if (rows.Count == 0)
                return;

            var rowTokens = rows.Select(_counter.CountTokens).ToList();
            int total = rowTokens.Sum();
            int head = HeadRows(rows);
            int headTokens = rowTokens.Take(head).Sum();

            // The caption goes with the table, into every part of it when it is split, so that each part says
            // what it is ("STATEMENTS OF CASH FLOWS"); when it would leave too little room for rows, it goes first.
            string prefix = "", laterPrefix = "";
            int prefixTokens = 0, laterTokens = 0;
            if (TakeCaption(block.Page) is { } caption)
            {
                if (caption.Tokens + total <= _limit || (caption.Tokens + headTokens <= _target / 2 && (head > 0 || total > _limit)))
                {
                    prefix = laterPrefix = caption.Text + "\n\n";
                    prefixTokens = laterTokens = caption.Tokens;
                    // Later parts of a split table repeat only the caption's first line, its title: rows need the room.
                    int firstLine = caption.Text.IndexOf('\n');
                    if (firstLine > 0)
                    {
                        laterPrefix = caption.Text[..firstLine] + "\n\n";
                        laterTokens = _counter.CountTokens(caption.Text[..firstLine]);
                    }
                }
                else
                {
                    _lines.Add((0, caption.Tokens));
                    _blockPieces.Add(new Piece(caption.Text, block.Page, caption.Tokens, Joint.Block, Whole: true));
                }
            }

            if (prefixTokens + total <= _limit)
            {
                // A table that fits stays whole, so its rows are read with their header.
                _lines.Add((_blockPieces.Count, prefixTokens + total));
                _blockPieces.Add(new Piece(prefix + string.Join('\n', rows), block.Page, prefixTokens + total, Joint.Block, Whole: true));
            }
            else if ((head > 0 || prefix.Length > 0) && prefixTokens + headTokens <= _target / 2)
            {
                // Too long for one chunk: parts of whole rows filled up to the limit, each under the caption and
                // header rows repeated, so that every row is still read with its column headers.
                int budget = Math.Max(_target, _limit - 4);
                // The first part embeds its caption and header; later parts carry them as a lead, shown and read
                // with the rows but not embedded, so that their rows fill the window as the rows of any text do.
                string lead = laterPrefix + string.Join('\n', rows.Take(head)) + (head > 0 ? "\n" : "");
                int i = head;
                while (i < rows.Count)
                {
                    bool first = i == head;
                    int start = i, tokens = first ? prefixTokens + headTokens : 0;
                    while (i < rows.Count && (i == start || tokens + rowTokens[i] <= budget) && (first ? prefixTokens + headTokens : 0) + rowTokens[i] <= _limit)
                        tokens += rowTokens[i++];
                    if (i == start)
                    {
                        // A row too long even for a chunk of its own is cut into runs of words.
                        _lines.Add((_blockPieces.Count, AddWords(_blockPieces, rows[i++], Joint.Block, block.Page, _target)));
                        continue;
                    }
                    string own = string.Join('\n', rows.Skip(start).Take(i - start));
                    var part = first
                        ? new Piece(prefix + string.Join('\n', rows.Take(head).Append(own)), block.Page, tokens, Joint.Block, Whole: true)
                        : new Piece(own, block.Page, tokens, Joint.Block, Whole: true, Lead: lead);
                    _lines.Add((_blockPieces.Count, AddPiece(_blockPieces, part)));
                }
            }
            else
            {
                for (int i = 0; i < rows.Count; i++)
                {
                    int start = _blockPieces.Count;
                    var joint = i == 0 ? Joint.Block : Joint.Line;
                    int tokens = rowTokens[i] <= _limit
                        ? AddPiece(_blockPieces, new Piece(rows[i], block.Page, rowTokens[i], joint, Whole: true))
                        : AddWords(_blockPieces, rows[i], joint, block.Page, _target);
                    _lines.Add((start, tokens));
                }
            }
            AddBlockPieces();
        }

        /// <summary>
        /// How many rows at the top of a table are its header: the rows up to and including the delimiter row
        /// ("|---|---|") that ends the header; 0 when the table has none.
        /// </summary>
        private static int HeadRows(List<string> rows)
        {
            for (int i = 1; i < Math.Min(rows.Count - 1, 6); i++)
            {
                string row = rows[i].Trim('|', ' ');
                if (row.Length > 0 && row.All(c => c is '-' or ':' or '|' or ' ') && row.Contains('-'))
                    return i + 1;
            }
            return 0;
        }

        /// <summary>Adds a sentence (or table row) as one piece when it fits a chunk, else as runs of words.</summary>
        private int AddUnit(List<Piece> into, string text, Joint joint, int page)
        {
            int tokens = _counter.CountTokens(text);
            return tokens <= _limit
                ? AddPiece(into, new Piece(text, page, tokens, joint, Whole: true))
                : AddWords(into, text, joint, page, _target);
        }

        private static int AddPiece(List<Piece> into, Piece piece)
        {
            into.Add(piece);
            return piece.Tokens;
        }

        /// <summary>Cuts text that fits no chunk into runs of whole words of at most <paramref name="budget"/> tokens.</summary>
        private int AddWords(List<Piece> into, string text, Joint joint, int page, int budget)
        {
            int total = 0;
            var run = new StringBuilder();
            int runTokens = 0;
            foreach (string word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                int tokens = _counter.CountTokens(word);
                if (run.Length > 0 && (runTokens + tokens > budget || tokens > budget))
                {
                    total += AddPiece(into, new Piece(run.ToString(), page, runTokens, joint, Whole: false));
                    joint = Joint.Space;
                    run.Clear();
                    runTokens = 0;
                }
                if (tokens > budget)
                {
                    total += AddWordParts(into, word, tokens, joint, page, budget);
                    joint = Joint.Space;
                    continue;
                }
                if (run.Length > 0)
                    run.Append(' ');
                run.Append(word);
                runTokens += tokens;
            }
            if (run.Length > 0)
                total += AddPiece(into, new Piece(run.ToString(), page, runTokens, joint, Whole: false));
            return total;
        }

        /// <summary>
        /// The last resort for one 'word' longer than a chunk (a URL, base64): cut it where its tokens run out.
        /// Each part's length is guessed from the word's characters per token and only that part is counted,
        /// so a long word costs about one count of its length.
        /// </summary>
        private int AddWordParts(List<Piece> into, string word, int wordTokens, Joint joint, int page, int budget)
        {
            int total = 0;
            double charsPerToken = (double)word.Length / Math.Max(1, wordTokens);
            int guess = Math.Max(1, (int)(budget * charsPerToken * 0.9));
            int pos = 0;
            while (pos < word.Length)
            {
                int take = KeepSurrogatePair(word, pos, Math.Min(word.Length - pos, guess));
                int tokens = _counter.CountTokens(word.Substring(pos, take));
                while (tokens > budget && take > 1)
                {
                    take = KeepSurrogatePair(word, pos, take - Math.Max(1, take / 8));
                    tokens = _counter.CountTokens(word.Substring(pos, take));
                }
                total += AddPiece(into, new Piece(word.Substring(pos, take), page, tokens, joint, Whole: false));
                joint = Joint.None; // the parts of one word join back without a space
                pos += take;
            }
            return total;
        }

        private static int KeepSurrogatePair(string text, int start, int length) =>
            length > 1 && start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]) ? length - 1 : length;

        private void AddBlockPieces()
        {
            if (_blockPieces.Count == 0)
                return;

            // Prefer to cut between blocks, then between lines: when what comes next won't fit but the chunk
            // already holds half a chunk of its own text, the next chunk starts here.
            StartNewChunkIfFull(_lines.Sum(l => l.Tokens));
            for (int l = 0; l < _lines.Count; l++)
            {
                var (start, lineTokens) = _lines[l];
                int end = l + 1 < _lines.Count ? _lines[l + 1].Start : _blockPieces.Count;
                if (l > 0)
                    StartNewChunkIfFull(lineTokens);
                for (int i = start; i < end; i++)
                    Pack(_blockPieces[i]);
            }
        }

        private void StartNewChunkIfFull(int upcomingTokens)
        {
            if (HasNewText && _currentTokens + upcomingTokens > _target && _currentTokens - _overlapTokens >= _target / 2)
                Flush(carryOverlap: true);
        }

        private void Pack(Piece piece)
        {
            // Chunks are filled to the target; a single piece past the target (a table, a long sentence) may take
            // a chunk up to the limit, so that it is not cut.
            int budget = piece.Tokens > _target ? _limit : _target;
            if (piece.Lead is not null)
            {
                // A piece with a lead starts its chunk, without overlap, so that the lead comes first.
                if (HasNewText)
                    Flush(carryOverlap: false);
                _current.Clear();
                _currentTokens = _overlapCount = _overlapTokens = 0;
            }
            if (HasNewText && _currentTokens + piece.Tokens > budget)
                Flush(carryOverlap: true);

            // The overlap gives way to new text.
            while (_overlapCount > 0 && _currentTokens + piece.Tokens > budget)
            {
                _currentTokens -= _current[0].Tokens;
                _overlapTokens -= _current[0].Tokens;
                _current.RemoveAt(0);
                _overlapCount--;
            }

            _current.Add(piece);
            _currentTokens += piece.Tokens;
        }

        private void Flush(bool carryOverlap)
        {
            _captionFrom = -1;
            if (HasNewText)
                Emit(_current, depth: 0);

            if (!carryOverlap || !HasNewText)
            {
                _current.Clear();
                _currentTokens = _overlapCount = _overlapTokens = 0;
                return;
            }

            // Carry the last whole sentences/lines of this chunk, about _overlap tokens of them (the very last may
            // run a little over), never the chunk's first piece, nor what this chunk itself repeated.
            int keepFrom = _current.Count;
            int tokens = 0;
            for (int i = _current.Count - 1; i >= Math.Max(1, _overlapCount); i--)
            {
                var piece = _current[i];
                int allowed = i == _current.Count - 1 ? _overlap * 3 / 2 : _overlap;
                if (!piece.Whole || piece.Lead is not null || tokens + piece.Tokens > allowed)
                    break;
                tokens += piece.Tokens;
                keepFrom = i;
            }
            _current.RemoveRange(0, keepFrom);
            _overlapCount = _current.Count;
            _currentTokens = _overlapTokens = tokens;
        }

        /// <summary>
        /// Adds the pieces as a chunk after counting its text once; the sum of the pieces' counts is only an
        /// estimate, so a chunk over the limit is halved (or its one piece cut smaller) until each part fits.
        /// </summary>
        private void Emit(IReadOnlyList<Piece> pieces, int depth)
        {
            var text = new StringBuilder();
            int page = int.MaxValue, pageEnd = int.MinValue;
            for (int i = 0; i < pieces.Count; i++)
            {
                var piece = pieces[i];
                if (i > 0)
                    text.Append(piece.Joint switch { Joint.Block => "\n\n", Joint.Line => "\n", Joint.Space => " ", _ => "" });
                text.Append(piece.Text);
                page = Math.Min(page, piece.Page);
                pageEnd = Math.Max(pageEnd, piece.Page);
            }

            string chunkText = text.ToString();
            int tokens = _counter.CountTokens(chunkText);
            if (tokens > _limit && depth < 24)
            {
                if (pieces.Count > 1)
                {
                    int half = pieces.Count / 2;
                    Emit(pieces.Take(half).ToList(), depth + 1);
                    Emit(pieces.Skip(half).ToList(), depth + 1);
                    return;
                }
                // One piece: cut a table into its rows, anything else into runs of words.
                var smaller = new List<Piece>();
                if (chunkText.Contains('\n'))
                {
                    foreach (string line in chunkText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                        AddUnit(smaller, line, smaller.Count == 0 ? Joint.None : Joint.Line, page);
                }
                else
                {
                    AddWords(smaller, chunkText, Joint.None, page, Math.Max(1, _limit >> (depth + 1)));
                }
                if (smaller.Count > 1)
                {
                    Emit(smaller, depth + 1);
                    return;
                }
            }
            string? chunkLead = pieces[0].Lead;
            Chunks.Add(new Chunk(Chunks.Count, chunkLead + chunkText, _heading, page, pageEnd, tokens) { Lead = chunkLead });
        }
    }
}
