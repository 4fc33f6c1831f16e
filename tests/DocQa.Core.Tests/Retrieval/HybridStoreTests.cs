using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Tests.Retrieval;

/// <summary>
/// A store that fuses hybrid searches itself (Qdrant) gets them in one call, beside a short keyword search for the
/// keyword list's lead; other modes are unchanged.
/// </summary>
public sealed class HybridStoreTests
{
    [Fact]
    public async Task HybridSearch_GoesToTheStoreInOneCall_WithTheFusionSettings_ThenDuplicatesCollapse()
    {
        var store = new FusingStore();
        var retriever = new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions
        {
            CandidatesPerMode = 30, RrfK = 50, KeywordWeight = 0.4, KeywordCandidates = 10, KeywordLeadWindow = 4,
        }), hybrid: store);

        var passages = await retriever.SearchAsync(new SearchRequest("idx", "net sales", Top: 2));

        var call = Assert.Single(store.HybridCalls);
        Assert.Equal(("idx", "net sales", 30, new HybridFusion(30, 10, 50, 1.0, 0.4)), (call.Index, call.Query, call.Top, call.Fusion));
        Assert.Equal(HashEmbedder.Embed("net sales"), call.Vector);
        // The keyword list beside it, as deep as the store's own keyword candidates, for the leading document.
        Assert.Equal([10], store.KeywordTops);
        Assert.Equal(0, store.VectorCalls);
        // The second passage repeats the first and is collapsed; the third takes its place.
        Assert.Equal(["a", "c"], passages.Select(p => p.ChunkId));
    }

    [Fact]
    public async Task WithoutALeadingDocument_OnlyTheHeadOfTheKeywordListIsFetched()
    {
        var store = new FusingStore();
        var retriever = new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions { DocumentLead = 0, KeywordLeadWindow = 4 }), hybrid: store);

        await retriever.SearchAsync(new SearchRequest("idx", "net sales"));

        // One passage past the lead window, to see where the lead ends.
        Assert.Equal([5], store.KeywordTops);
        Assert.Single(store.HybridCalls);
    }

    [Fact]
    public async Task HybridSearch_PutsTheKeywordLeadFirst_EvenWhenTheStoresFusionMissedIt()
    {
        var store = new FusingStore
        {
            KeywordHits = [Passage("exact", "Four score and seven years ago our fathers brought forth", score: 25.7), Passage("c", "Operating expenses grew by four percent.", score: 3.1)],
        };
        var retriever = new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), hybrid: store);

        var passages = await retriever.SearchAsync(new SearchRequest("idx", "Four score and seven years ago", Top: 3));

        Assert.Equal(["exact", "a", "c"], passages.Select(p => p.ChunkId));
    }

    [Theory]
    [InlineData(RetrievalMode.Vector)]
    [InlineData(RetrievalMode.Keyword)]
    public async Task SingleModeSearches_StillUseTheirOwnStoreCall(RetrievalMode mode)
    {
        var store = new FusingStore();
        var retriever = new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), hybrid: store);

        await retriever.SearchAsync(new SearchRequest("idx", "net sales", Mode: mode));

        Assert.Empty(store.HybridCalls);
        Assert.Equal(1, store.SingleModeCalls);
    }

    private sealed class FusingStore : ISearchIndex, IHybridSearchStore
    {
        private static readonly Passage[] Passages =
        [
            Passage("a", "Net sales were 81,797 million dollars for the quarter ended July 1."),
            Passage("b", "Net sales were 81,797 million dollars for the quarter ended July 1."),
            Passage("c", "Operating expenses grew by four percent."),
        ];

        public List<(string Index, string Query, float[] Vector, int Top, HybridFusion Fusion)> HybridCalls { get; } = [];
        public IReadOnlyList<Passage> KeywordHits { get; init; } = Passages;
        public List<int> KeywordTops { get; } = [];
        public int VectorCalls { get; private set; }
        public int SingleModeCalls => VectorCalls + KeywordTops.Count;

        public Task<IReadOnlyList<Passage>> HybridSearchAsync(string index, string query, ReadOnlyMemory<float> queryVector, int top,
            HybridFusion fusion, SearchFilter filter, CancellationToken cancellationToken = default)
        {
            HybridCalls.Add((index, query, queryVector.ToArray(), top, fusion));
            return Task.FromResult<IReadOnlyList<Passage>>(Passages);
        }

        public Task<IReadOnlyList<Passage>> VectorSearchAsync(string index, ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
        {
            VectorCalls++;
            return Task.FromResult<IReadOnlyList<Passage>>(Passages);
        }

        public Task<IReadOnlyList<Passage>> KeywordSearchAsync(string index, string query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
        {
            KeywordTops.Add(top);
            return Task.FromResult<IReadOnlyList<Passage>>(KeywordHits.Take(top).ToList());
        }
    }

    private static Passage Passage(string id, string text, double score = 1) => new(id, "doc", "doc.pdf", 0, 1, 1, null, text, score);
}
