using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;

namespace DocQa.Core.Tests.Retrieval;

public class PassageContextTests
{
    private static StoredChunk Chunk(int ordinal, string text, int page = 1, string heading = "Report > Results", int leadLength = 0) =>
        new($"doc#{ordinal}", ordinal, text, heading, page, page, ReadOnlyMemory<float>.Empty) { LeadLength = leadLength };

    private static Passage Found(StoredChunk chunk) =>
        new(chunk.ChunkId, "doc", "report.pdf", chunk.Ordinal, chunk.Page, chunk.PageEnd, chunk.Heading, chunk.Text, 0.5);

    private static readonly StoredChunk[] Page =
    [
        Chunk(0, "Revenue grew in every region. Europe led the growth."),
        Chunk(1, "Europe led the growth. Costs rose by 4% on new hires."),
        Chunk(2, "| Segment | Q1 | Q2 |\n| Cloud | 7,192 | 7,420 |"),
        Chunk(3, "| Segment | Q1 | Q2 |\n| Devices | 2,544 | 2,601 |", leadLength: 22),
        Chunk(4, "Outlook for the next year is unchanged.", page: 2),
    ];

    [Fact]
    public void A_passage_is_widened_with_its_page_and_says_where_the_match_is()
    {
        var (passage, ordinals) = PassageContext.Widen(Found(Page[1]), Page, new HashSet<int>(), maxChars: 10_000);

        // The sentence chunks 0 and 1 share appears once; the split table's repeated header row is left out.
        Assert.Equal(
            "Revenue grew in every region. Europe led the growth. Costs rose by 4% on new hires.\n"
            + "| Segment | Q1 | Q2 |\n| Cloud | 7,192 | 7,420 |\n| Devices | 2,544 | 2,601 |",
            passage.Text);
        Assert.Equal([0, 1, 2, 3], ordinals);
        Assert.Equal("Europe led the growth. Costs rose by 4% on new hires.", passage.Text[passage.Match!.Start..passage.Match.End]);
        Assert.Equal((1, 1, 1), (passage.Ordinal, passage.Page, passage.PageEnd));
    }

    [Fact]
    public void The_window_keeps_within_its_size_and_leaves_out_what_a_better_passage_shows()
    {
        var (small, _) = PassageContext.Widen(Found(Page[2]), Page, new HashSet<int>(), maxChars: 110);
        var (beside, ordinals) = PassageContext.Widen(Found(Page[2]), Page, new HashSet<int> { 1, 3 }, maxChars: 10_000);

        Assert.True(small.Text.Length <= 110, small.Text);
        Assert.Contains("Cloud", small.Text);
        Assert.Equal([2], ordinals);
        Assert.Equal(Page[2].Text, beside.Text);
        Assert.Null(beside.Match);
    }

    [Fact]
    public void A_neighbour_of_another_section_comes_under_its_heading()
    {
        StoredChunk[] chunks =
        [
            Chunk(0, "Net sales rose 8%."),
            Chunk(1, "The Company repurchased $19.1 billion of its common stock.", heading: "Report > Share Repurchases"),
        ];

        var (passage, _) = PassageContext.Widen(Found(chunks[0]), chunks, new HashSet<int>(), maxChars: 10_000);

        Assert.Equal("Net sales rose 8%.\n\nShare Repurchases\nThe Company repurchased $19.1 billion of its common stock.", passage.Text);
    }

    [Fact]
    public async Task Passages_within_a_better_ones_window_give_their_place_to_the_next()
    {
        var store = new RangeStore([.. Page, Chunk(9, "Dividends were $0.24 per share.", page: 5)]);
        var context = new PassageContext(store, maxChars: 10_000);

        var widened = await context.WidenAsync("main", [Found(Page[1]), Found(Page[3]), Found(Chunk(9, "Dividends were $0.24 per share.", page: 5))], top: 2);

        Assert.Equal([1, 9], widened.Select(p => p.Ordinal));
        Assert.Contains("Devices", widened[0].Text);
    }

    /// <summary>Reads chunk ranges, as a store does; nothing else is used.</summary>
    private sealed class RangeStore(IReadOnlyList<StoredChunk> chunks) : IDocumentRecords
    {
        public Task<IReadOnlyList<StoredChunk>> ChunksOfAsync(string index, string documentId, CancellationToken cancellationToken = default) =>
            Task.FromResult(chunks);

        public Task<IReadOnlyList<IndexSummary>> ListIndexesAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(string index, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<DocumentRecord?> GetDocumentAsync(string index, string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task SaveDocumentAsync(DocumentRecord record, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<bool> DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task DeleteIndexAsync(string index, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
