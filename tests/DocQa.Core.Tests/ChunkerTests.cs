using System.Text.RegularExpressions;
using DocQa.Core.Chunking;
using DocQa.Core.Extraction;

namespace DocQa.Core.Tests;

public class ChunkerTests
{
    private static DocumentBlock P(string text, int page = 1) => new(BlockKind.Paragraph, text, page);
    private static DocumentBlock H(string text, int level, int page = 1) => new(BlockKind.Heading, text, page, level);
    private static DocumentBlock T(string text, int page = 1) => new(BlockKind.Table, text, page);
    private static ExtractedDocument Doc(params DocumentBlock[] blocks) => new(blocks, blocks.Length == 0 ? 0 : blocks.Max(b => b.Page));

    // About 20 tokens each with the fake counter.
    private static string Sentence(int n) => $"Sentence {n} describes the quarterly results of segment {n % 7} in detail.";
    private static string Sentences(int from, int count) => string.Join(" ", Enumerable.Range(from, count).Select(Sentence));

    private static string Blob(int length) =>
        new(Enumerable.Range(0, length).Select(i => "QmFzZTY0ZGF0YQ+/"[i * 7 % 16]).ToArray());

    /// <summary>Headings, packed and long paragraphs, wrapped lines, an unpunctuated run-on line, tables and a blob.</summary>
    private static ExtractedDocument MixedDocument()
    {
        var blocks = new List<DocumentBlock> { P("Cover note for the annual report.", 1), H("Part I", 1, 1) };
        int page = 1;
        for (int section = 0; section < 6; section++)
        {
            blocks.Add(H($"Item {section}. Discussion of results for area {section}", 2, page));
            for (int p = 0; p < 8; p++)
            {
                page += p % 3 == 0 ? 1 : 0;
                blocks.Add(P(Sentences(section * 100 + p * 10, 1 + (p * 5 + section) % 13), page));
            }
            blocks.Add(P(string.Join("\n", Enumerable.Range(0, 12).Select(i => $"wrapped line {i} of a pdf paragraph that goes on")), page));
            blocks.Add(T(string.Join("\n", Enumerable.Range(0, 4 + section * 9).Select(i => $"Row {i} | Product {i} | {1000 + i} | {2000 + i}")), page));
        }
        blocks.Add(P(string.Join(" ", Enumerable.Range(0, 400).Select(i => $"runon{i % 50}")), page));
        blocks.Add(P("Before the blob. " + Blob(3000) + " After the blob.", page));
        return new ExtractedDocument(blocks, page);
    }

    private static void AssertFits(IReadOnlyList<Chunk> chunks, FakeTokenCounter counter, ChunkingOptions options)
    {
        Assert.NotEmpty(chunks);
        for (int i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            Assert.Equal(i, chunk.Ordinal);
            Assert.True(counter.CountTokens(chunk.EmbeddingText) <= counter.MaxTextTokens,
                $"chunk {i} has {counter.CountTokens(chunk.EmbeddingText)} tokens with its heading");
            Assert.True(chunk.Tokens <= options.MaxTokens, $"chunk {i} has {chunk.Tokens} tokens");
            Assert.Equal(counter.CountTokens(chunk.Text[(chunk.Lead?.Length ?? 0)..]), chunk.Tokens);
            Assert.StartsWith(chunk.Lead ?? "", chunk.Text);
            Assert.False(string.IsNullOrWhiteSpace(chunk.Text));
            Assert.Equal(chunk.Page, chunk.PageEnd);
        }
    }

    [Fact]
    public void Every_chunk_fits_the_model_window()
    {
        var counter = new FakeTokenCounter();
        var options = new ChunkingOptions();

        var chunks = new Chunker(counter, options).Split(MixedDocument());

        AssertFits(chunks, counter, options);
        Assert.True(chunks.Count > 20);
        // Chunks are filled towards the target, not cut small.
        Assert.True(chunks.Average(c => c.Tokens) > options.TargetTokens / 2.0);
    }

    [Fact]
    public void A_small_model_window_is_the_binding_limit()
    {
        var counter = new FakeTokenCounter(maxTextTokens: 60);
        var options = new ChunkingOptions();

        var chunks = new Chunker(counter, options).Split(MixedDocument());

        AssertFits(chunks, counter, options);
        Assert.All(chunks.Where(c => c.Heading is not null), c => Assert.True(counter.CountTokens(c.Heading!) <= 15));
    }

    [Fact]
    public void A_chunk_counted_above_its_estimate_is_split_until_it_fits()
    {
        // Line breaks cost a token here, which the per-piece counts don't see.
        var counter = new FakeTokenCounter(countLineBreaks: true);
        var rows = Enumerable.Range(0, 80).Select(i => $"Row {i} | Product {i} | {1000 + i} | {2000 + i}").ToList();
        var options = new ChunkingOptions();

        var chunks = new Chunker(counter, options).Split(Doc(H("Table", 1), T(string.Join("\n", rows.Take(24))), T(string.Join("\n", rows.Skip(24)))));

        AssertFits(chunks, counter, options);
        Assert.All(rows, row => Assert.Contains(chunks, c => c.Text.Split('\n').Contains(row)));
        AssertFits(new Chunker(counter, options).Split(MixedDocument()), counter, options);
    }

    [Fact]
    public void No_word_is_cut()
    {
        var document = MixedDocument();
        var sourceWords = document.Blocks.SelectMany(b => b.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        string blob = Blob(3000);

        var chunks = new Chunker(new FakeTokenCounter()).Split(document);

        var cutWords = chunks
            .SelectMany(c => c.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(w => !sourceWords.Contains(w) && !blob.Contains(w))
            .ToList();
        Assert.Empty(cutWords);
    }

    [Fact]
    public void A_giant_single_word_is_cut_by_tokens_and_kept_in_order()
    {
        var counter = new FakeTokenCounter();
        string blob = Blob(5000);

        var chunks = new Chunker(counter).Split(Doc(P("Before the blob. " + blob + " After the blob.")));

        AssertFits(chunks, counter, new ChunkingOptions());
        Assert.True(chunks.Count >= 5);
        string all = Regex.Replace(string.Concat(chunks.Select(c => c.Text)), @"\s", "");
        Assert.Contains(blob, all);
        Assert.StartsWith("Before the blob.", chunks[0].Text);
        Assert.EndsWith("After the blob.", chunks[^1].Text);
    }

    [Fact]
    public void Chunks_stay_on_one_page_and_carry_it()
    {
        var blocks = new List<DocumentBlock>();
        int n = 0;
        for (int page = 1; page <= 6; page++)
        {
            for (int p = 0; p < 3; p++)
                blocks.Add(P(string.Join(" ", Enumerable.Range(0, 4).Select(_ => $"Fact {n++} on page {page} concerns topic {n}.")), page));
        }

        var chunks = new Chunker(new FakeTokenCounter()).Split(new ExtractedDocument(blocks, 6));

        foreach (var chunk in chunks)
        {
            var pages = Regex.Matches(chunk.Text, @"on page (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
            Assert.All(pages, page => Assert.Equal(chunk.Page, page));
            Assert.Equal(chunk.Page, chunk.PageEnd);
        }
        Assert.Equal(Enumerable.Range(1, 6), chunks.Select(c => c.Page).Distinct());
        Assert.Equal(1, chunks[0].Page);
        Assert.Equal(6, chunks[^1].PageEnd);
    }

    [Fact]
    public void Headings_form_a_path_by_level_and_are_not_chunk_text()
    {
        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(
            H("Part I", 1),
            H("Item 2. Management's Discussion", 2),
            P("Revenue grew in every region."),
            H("Item 3. Risks", 2),
            P("Currency risk is hedged."),
            H("Part II", 1),
            P("Other information follows.")));

        Assert.Equal(3, chunks.Count);
        Assert.Equal("Part I > Item 2. Management's Discussion", chunks[0].Heading);
        Assert.Equal("Revenue grew in every region.", chunks[0].Text);
        Assert.Equal("Part I > Item 2. Management's Discussion\nRevenue grew in every region.", chunks[0].EmbeddingText);
        Assert.Equal("Part I > Item 3. Risks", chunks[1].Heading);
        Assert.Equal("Part II", chunks[2].Heading);
        Assert.DoesNotContain(chunks, c => c.Text.Contains("Part I"));
    }

    [Fact]
    public void A_heading_ends_the_current_chunk()
    {
        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(
            P("Intro text one."),
            H("Section", 1),
            P("Body text two.")));

        Assert.Equal(2, chunks.Count);
        Assert.Null(chunks[0].Heading);
        Assert.Equal("Intro text one.", chunks[0].EmbeddingText);
        Assert.Equal("Section\nBody text two.", chunks[1].EmbeddingText);
    }

    [Fact]
    public void A_long_heading_path_keeps_the_nearest_headings_within_the_heading_budget()
    {
        var counter = new FakeTokenCounter();
        string outer = "Management discussion and analysis of financial condition and results of operations";
        string inner = "Liquidity and capital resources of the consolidated group";

        var chunks = new Chunker(counter).Split(Doc(H(outer, 1), H(inner, 2), P("Cash rose.")));

        Assert.Equal(inner, chunks[0].Heading);
        Assert.True(counter.CountTokens(chunks[0].Heading!) <= new ChunkingOptions().MaxHeadingTokens);
    }

    [Fact]
    public void Text_too_long_for_a_heading_is_kept_as_text()
    {
        string longHeading = string.Join(" ", Enumerable.Range(0, 40).Select(i => $"word{i}"));

        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(H("Intro", 1), H(longHeading, 2), P("Body.")));

        var chunk = Assert.Single(chunks);
        Assert.Equal("Intro", chunk.Heading);
        Assert.Contains(longHeading, chunk.Text);
    }

    [Fact]
    public void Small_paragraphs_are_packed_together()
    {
        var blocks = Enumerable.Range(0, 10).Select(i => P($"Note {i} is short.")).ToArray();

        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(blocks));

        var chunk = Assert.Single(chunks);
        Assert.Equal(string.Join("\n\n", Enumerable.Range(0, 10).Select(i => $"Note {i} is short.")), chunk.Text);
    }

    [Theory]
    [InlineData(18)] // 180 tokens: fits the target, but not after the paragraph before it
    [InlineData(24)] // 240 tokens: past the target, within the limit
    public void A_table_that_fits_is_kept_whole(int rowCount)
    {
        var counter = new FakeTokenCounter();
        string table = string.Join("\n", Enumerable.Range(10, rowCount).Select(i => $"Row {i} | Product {i} | {1000 + i} | {2000 + i}"));

        var chunks = new Chunker(counter).Split(Doc(P(Sentences(0, 3)), T(table), P(Sentences(50, 3))));

        AssertFits(chunks, counter, new ChunkingOptions());
        Assert.True(chunks.Count >= 2);
        Assert.Single(chunks, c => c.Text.Contains(table));
        Assert.Single(chunks, c => c.Text.Contains("Row 10 |"));
        Assert.Contains(Sentence(0), chunks[0].Text);
    }

    [Fact]
    public void A_table_too_big_for_a_chunk_is_split_between_rows()
    {
        var rows = Enumerable.Range(0, 60).Select(i => $"Row {i} | Product {i} | {1000 + i} | {2000 + i}").ToList();
        var counter = new FakeTokenCounter();

        var chunks = new Chunker(counter).Split(Doc(T(string.Join("\n", rows))));

        Assert.True(chunks.Count >= 2);
        AssertFits(chunks, counter, new ChunkingOptions());
        var chunkLines = chunks.SelectMany(c => c.Text.Split('\n')).ToList();
        Assert.All(chunkLines, line => Assert.Contains(line, rows));
        Assert.All(rows, row => Assert.Contains(row, chunkLines));
    }

    [Fact]
    public void A_table_split_between_rows_repeats_its_caption_and_header_rows_in_every_part()
    {
        const string header = "| Area | Three Months Ended July 1, 2023 | Three Months Ended June 25, 2022 |\n|---|---|---|";
        var rows = Enumerable.Range(0, 60).Select(i => $"| Region {i} | $ {1000 + i} | $ {2000 + i} |").ToList();
        var counter = new FakeTokenCounter();

        var chunks = new Chunker(counter).Split(Doc(P("Net sales by region\n(in millions):"), T(header + "\n" + string.Join("\n", rows))));

        AssertFits(chunks, counter, new ChunkingOptions());
        var tableChunks = chunks.Where(c => c.Text.Contains("| Region ")).ToList();
        Assert.True(tableChunks.Count >= 3);
        Assert.All(tableChunks, c => Assert.Contains(header, c.Text));
        // The caption just above the table says in every part what the table is; later parts repeat its first line.
        Assert.All(tableChunks, c => Assert.StartsWith("Net sales by region\n\n" + header, c.Text.Replace("Net sales by region\n(in millions):", "Net sales by region")));
        Assert.StartsWith("Net sales by region\n(in millions):\n\n" + header, tableChunks[0].Text);
        Assert.StartsWith("Net sales by region\n\n" + header, tableChunks[1].Text);
        // Later parts show the title and header with their rows but embed the rows alone.
        Assert.All(tableChunks.Skip(1), c => Assert.Equal("Net sales by region\n\n" + header + "\n", c.Lead));
        Assert.All(tableChunks.Skip(1), c => Assert.DoesNotContain("Three Months Ended", c.EmbeddingText));
        var rowLines = tableChunks.SelectMany(c => c.Text.Split('\n')).Where(l => l.StartsWith("| Region ")).ToList();
        Assert.Equal(rows, rowLines.Distinct());
    }

    [Fact]
    public void A_short_paragraph_just_before_a_table_goes_with_the_table_as_its_caption()
    {
        const string caption = "CONDENSED STATEMENTS OF CASH FLOWS (In millions)";
        string table = "| | 2023 | 2022 |\n|---|---|---|\n" + string.Join("\n", Enumerable.Range(0, 12).Select(i => $"| Item {i} | {1000 + i} | {2000 + i} |"));
        var counter = new FakeTokenCounter();

        var chunks = new Chunker(counter).Split(Doc(P(Sentences(0, 12)), P(caption), T(table)));

        AssertFits(chunks, counter, new ChunkingOptions());
        var withTable = Assert.Single(chunks, c => c.Text.Contains("| Item 0 |"));
        Assert.Contains(caption + "\n\n| | 2023 | 2022 |", withTable.Text);
        Assert.DoesNotContain(chunks, c => c != withTable && c.Text.Contains(caption));
    }

    [Fact]
    public void Consecutive_chunks_of_a_section_overlap_by_whole_sentences()
    {
        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(H("Results", 1), P(Sentences(0, 40))));

        Assert.True(chunks.Count >= 4);
        for (int i = 1; i < chunks.Count; i++)
        {
            var previous = SentenceSplitter.Split(chunks[i - 1].Text);
            var next = SentenceSplitter.Split(chunks[i].Text);
            // The next chunk starts with the last k sentences of the previous one, for some k of about 40 tokens.
            int k = Enumerable.Range(1, Math.Min(previous.Count, next.Count) - 1)
                .FirstOrDefault(k => previous.TakeLast(k).SequenceEqual(next.Take(k)));
            Assert.InRange(k, 1, 3);
            Assert.True(next.Count > k);
        }
    }

    [Fact]
    public void No_overlap_across_a_heading()
    {
        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(
            H("First", 1), P(Sentences(0, 30)),
            H("Second", 1), P(Sentences(100, 30))));

        var firstOfSecond = chunks.First(c => c.Heading == "Second");
        Assert.StartsWith(Sentence(100), firstOfSecond.Text);
        Assert.DoesNotContain(chunks.Where(c => c.Heading == "Second"), c => c.Text.Contains("Sentence 29 "));
    }

    [Fact]
    public void Cuts_fall_at_sentence_ends_not_after_abbreviations()
    {
        string text = string.Join(" ", Enumerable.Range(0, 60).Select(i => $"Exports to the U.S. Market rose by {i} percent in quarter {i}."));

        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(P(text)));

        Assert.True(chunks.Count >= 3);
        Assert.All(chunks, c => Assert.StartsWith("Exports to the U.S. Market", c.Text));
        Assert.All(chunks, c => Assert.Matches(@"quarter \d+\.$", c.Text));
    }

    [Fact]
    public void Splitting_is_deterministic()
    {
        var document = MixedDocument();

        var first = new Chunker(new FakeTokenCounter()).Split(document);
        var second = new Chunker(new FakeTokenCounter()).Split(document);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Blank_blocks_give_no_chunks()
    {
        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(P("   "), P("\n \n"), T(" \n "), H("  ", 1)));

        Assert.Empty(chunks);
    }

    [Fact]
    public void A_document_of_only_headings_keeps_their_text()
    {
        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(H("Title", 1), H("Subtitle", 2)));

        var chunk = Assert.Single(chunks);
        Assert.Contains("Title", chunk.Text);
        Assert.Contains("Subtitle", chunk.Text);
    }

    [Fact]
    public void A_document_of_only_headings_keeps_each_chunk_on_one_page()
    {
        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(H("Title", 1, page: 1), H("Subtitle", 2, page: 1), H("Appendix", 1, page: 2)));

        Assert.Equal([(1, 1), (2, 2)], chunks.Select(c => (c.Page, c.PageEnd)));
        Assert.Contains("Subtitle", chunks[0].Text);
        Assert.Equal("Appendix", chunks[1].Text);
    }

    [Fact]
    public void A_long_document_is_chunked_in_linear_time()
    {
        var counter = new FakeTokenCounter();
        var blocks = Enumerable.Range(0, 5000).Select(i => P(Sentences(i * 2, 2), 1 + i / 20)).ToArray();
        long characters = blocks.Sum(b => (long)b.Text.Length);
        int tokens = blocks.Sum(b => counter.CountTokens(b.Text));
        long countedBefore = counter.CharactersCounted;

        var chunks = new Chunker(counter).Split(new ExtractedDocument(blocks, 250));

        // Each piece is counted once and each chunk once: about twice the text, never the growing chunk again and again.
        Assert.True(counter.CharactersCounted - countedBefore < 3 * characters,
            $"counted {counter.CharactersCounted - countedBefore} characters of {characters}");
        Assert.InRange(chunks.Count, tokens / 220, tokens / 100);
        Assert.Equal(250, chunks[^1].PageEnd);
    }

    [Fact]
    public void The_document_title_stays_at_the_root_of_every_heading_path()
    {
        var counter = new FakeTokenCounter();
        var chunks = new Chunker(counter).Split(Doc(
            P("Cover text before any heading."),
            H("Part I", 1),
            H("Item 2. Management's Discussion", 2),
            P("Revenue grew in every region."),
            H("Part II", 1),
            P("Legal proceedings are described here.")), title: "2023 Q3 AAPL");

        Assert.Equal(["2023 Q3 AAPL", "2023 Q3 AAPL > Part I > Item 2. Management's Discussion", "2023 Q3 AAPL > Part II"],
            chunks.Select(c => c.Heading));
        Assert.All(chunks, c => Assert.StartsWith("2023 Q3 AAPL", c.EmbeddingText));
        Assert.All(chunks, c => Assert.True(counter.CountTokens(c.EmbeddingText) <= counter.MaxTextTokens));
    }

    [Fact]
    public void A_long_heading_path_gives_up_middle_levels_before_the_title()
    {
        var long1 = string.Join(' ', Enumerable.Repeat("alpha", 12));
        var long2 = string.Join(' ', Enumerable.Repeat("beta", 12));
        var chunks = new Chunker(new FakeTokenCounter()).Split(Doc(H(long1, 1), H(long2, 2), P("Body text.")), title: "Report");

        var heading = Assert.Single(chunks).Heading!;
        Assert.StartsWith("Report > ", heading);
        Assert.EndsWith(long2, heading);
        Assert.DoesNotContain("alpha", heading);
    }
}
