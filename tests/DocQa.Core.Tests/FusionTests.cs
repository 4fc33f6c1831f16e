using DocQa.Core.Retrieval;

namespace DocQa.Core.Tests;

public class FusionTests
{
    private static Passage P(string id, string text = "", string doc = "d") => new(id, doc, doc + ".pdf", 0, 1, 1, null, text == "" ? string.Join(' ', Enumerable.Range(0, 10).Select(j => $"{id}w{j}")) : text, 0);

    [Fact]
    public void Passages_found_by_both_lists_rise_above_those_found_by_one()
    {
        var vector = new List<Passage> { P("a"), P("b"), P("c") };
        var keyword = new List<Passage> { P("c"), P("d"), P("a") };

        var fused = ReciprocalRankFusion.Fuse([vector, keyword], k: 60);

        Assert.Equal(["a", "c", "b", "d"], fused.Select(p => p.ChunkId));
        Assert.Equal(1.0 / 61 + 1.0 / 63, fused[0].Score, 10);
        Assert.True(fused.Zip(fused.Skip(1)).All(pair => pair.First.Score >= pair.Second.Score));
    }

    [Fact]
    public void Weights_decide_which_list_leads()
    {
        var vector = new List<Passage> { P("v1"), P("v2") };
        var keyword = new List<Passage> { P("k1"), P("k2") };

        var equal = ReciprocalRankFusion.Fuse([vector, keyword], k: 60);
        var vectorFirst = ReciprocalRankFusion.Fuse([vector, keyword], k: 60, weights: [1.0, 0.3]);

        Assert.Equal(["v1", "k1", "v2", "k2"], equal.Select(p => p.ChunkId));
        Assert.Equal(["v1", "v2", "k1", "k2"], vectorFirst.Select(p => p.ChunkId));
        Assert.Equal(0.3 / 61, vectorFirst[2].Score, 10);
    }

    [Fact]
    public void A_single_list_keeps_its_order()
    {
        var fused = ReciprocalRankFusion.Fuse([[P("x"), P("y"), P("z")], []], k: 60);
        Assert.Equal(["x", "y", "z"], fused.Select(p => p.ChunkId));
    }

    private static Passage K(string id, double score, string text = "") => P(id, text) with { Score = score };

    [Fact]
    public void A_keyword_hit_far_above_the_runner_up_leads_the_fused_list()
    {
        var keyword = new List<Passage> { K("exact", 25.7), K("k2", 13.9), K("k3", 13.1), K("k4", 12.8) };
        var fused = new List<Passage> { P("v1"), P("v2"), P("k2"), P("exact") };

        var ranked = KeywordLead.First(fused, keyword, "gettysburg lincoln", ratio: 1.5, window: 5);

        Assert.Equal(["exact", "v1", "v2", "k2"], ranked.Select(p => p.ChunkId));
    }

    [Fact]
    public void The_lead_ends_at_the_steepest_drop_and_keeps_the_fused_order()
    {
        // Three passages hold a rare number, the rest only a common word.
        var keyword = new List<Passage> { K("a", 8.96), K("b", 8.75), K("c", 7.89), K("d", 3.64), K("e", 3.63), K("f", 3.5) };
        var fused = new List<Passage> { P("d"), P("c"), P("e"), P("a"), P("b") };

        Assert.Equal(["c", "a", "b", "d", "e"], KeywordLead.First(fused, keyword, "rare number", 1.5, 5).Select(p => p.ChunkId));
    }

    [Fact]
    public void Close_keyword_scores_change_nothing()
    {
        var keyword = new List<Passage> { K("a", 19.9), K("b", 15.7), K("c", 15.7), K("d", 15.2), K("e", 15.0), K("f", 14.1) };
        var fused = new List<Passage> { P("v1"), P("b"), P("a") };

        Assert.Same(fused, KeywordLead.First(fused, keyword, "changes in debt and interest expenses", 1.5, 5));
        Assert.Empty(KeywordLead.Of(keyword, "anything", ratio: 0, window: 5));
    }

    [Fact]
    public void A_passage_holding_the_whole_query_as_a_phrase_leads_even_when_scores_are_close()
    {
        var keyword = new List<Passage>
        {
            K("other", 3.2, "Cash used was $4.6 billion and $2.1 billion."),
            K("holder", 3.1, "Revenue for the quarter was $7.19 billion, down 13% from a year ago."),
            K("near", 2.9, "The 7.19 figure is in millions, not billion."),
        };
        var fused = new List<Passage> { P("v1"), keyword[0], keyword[2], keyword[1] };

        Assert.Equal(["holder", "v1", "other", "near"], KeywordLead.First(fused, keyword, "7.19 billion", 1.5, 5).Select(p => p.ChunkId));
    }

    [Fact]
    public void A_phrase_that_the_whole_head_holds_is_common_and_does_not_lead()
    {
        var keyword = Enumerable.Range(0, 6).Select(i => K($"k{i}", 10 - i * 0.1, $"Net sales rose {i} percent.")).ToList();
        Assert.Empty(KeywordLead.Of(keyword, "net sales", 1.5, window: 5));
        // Shorter than the window: every passage that holds anything of the query holds the phrase.
        Assert.Equal(["k0", "k1"], KeywordLead.Of(keyword.Take(2).ToList(), "net sales", 1.5, 5).Select(p => p.ChunkId));
    }

    [Fact]
    public void A_lone_keyword_match_leads()
    {
        var lone = KeywordLead.First([P("v1"), P("v2")], [K("only", 4.2)], "gettysburg", 1.5, 5);
        Assert.Equal(["only", "v1", "v2"], lone.Select(p => p.ChunkId));
    }

    [Fact]
    public void The_document_the_keyword_list_prefers_leads_with_its_best_passages_in_fused_order()
    {
        // The fused list (led by the embeddings) starts with last year's report; the keyword list, which matched the
        // quarter in the title, with this year's.
        var fused = new List<Passage> { P("old1", doc: "old"), P("new1", doc: "new"), P("old2", doc: "old"), P("new2", doc: "new"), P("new3", doc: "new"), P("new4", doc: "new") };
        var keyword = new List<Passage> { P("new3", doc: "new"), P("old2", doc: "old"), P("new1", doc: "new") };

        var ranked = LeadingDocument.First(fused, keyword, depth: 40, k: 60, keywordWeight: 2, count: 3);

        Assert.Equal(["new1", "new2", "new3", "old1", "old2", "new4"], ranked.Select(p => p.ChunkId));
        // Weighted as in the passage fusion, the keyword list would not outvote the fused list.
        Assert.Equal(["old1", "old2", "new1", "new2", "new3", "new4"], LeadingDocument.First(fused, keyword, 40, 60, 0.3, 3).Select(p => p.ChunkId));
        Assert.Same(fused, LeadingDocument.First(fused, keyword, 40, 60, 2, count: 0));
    }

    [Fact]
    public void Near_duplicates_collapse_to_the_better_ranked_passage_and_top_is_respected()
    {
        const string shared = "the quarterly report states that revenue grew twelve percent on strong demand for lamps in northern ports";
        var ranked = new List<Passage>
        {
            P("first", shared + " during spring"),
            P("copy", shared + " during spring", doc: "other"),
            P("overlapping", "revenue grew twelve percent on strong demand for lamps in northern ports during spring and summer"),
            P("different"),
            P("another"),
        };

        var kept = NearDuplicates.Collapse(ranked, top: 2, containment: 0.6);

        Assert.Equal(["first", "different"], kept.Select(p => p.ChunkId));
    }

    [Fact]
    public void Distinct_passages_all_survive()
    {
        var ranked = Enumerable.Range(0, 8).Select(i => P($"p{i}")).ToList();
        Assert.Equal(5, NearDuplicates.Collapse(ranked, top: 5, containment: 0.6).Count);
    }
}
