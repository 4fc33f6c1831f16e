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
