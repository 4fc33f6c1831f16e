using DocQa.Core.Retrieval;
using DocQa.Storage.Sqlite;

namespace DocQa.Storage.Tests;

public sealed class KeywordIndexTests
{
    private static readonly string[] Vocabulary = Enumerable.Range(0, 60).Select(i => $"word{(char)('a' + i % 26)}{i / 26}").ToArray();

    [Fact]
    public void Search_GivesTheScoresOfATextbookBm25_OnRandomChunks()
    {
        var random = new Random(11);
        var index = new KeywordIndex();
        var chunks = new List<(long Row, string Document, string Text)>();
        for (var i = 0; i < 500; i++)
        {
            var text = RandomText(random);
            chunks.Add((1000 + i, $"doc-{i % 7}", text));
            index.Add($"doc-{i % 7}", 1000 + i, KeywordIndex.Analyze(text, null, 2));
        }
        var query = new[] { Vocabulary[3], Vocabulary[40], Vocabulary[59] };

        var hits = index.Search(query, 10);

        var expected = ReferenceBm25(chunks, query).Take(10).ToList();
        Assert.Equal(expected.Select(e => e.Row), hits.Select(h => h.ChunkRowId));
        for (var i = 0; i < hits.Count; i++) Assert.Equal(expected[i].Score, hits[i].Score, 3);
    }

    [Fact]
    public void Search_AfterManyRemovals_IsTheSearchOfWhatIsLeft()
    {
        // Removed chunks are never found; once compacted, the survivors score as in an index built from them alone.
        var random = new Random(5);
        var index = new KeywordIndex();
        var fresh = new KeywordIndex();
        for (var i = 0; i < 3000; i++)
        {
            var text = RandomText(random);
            var document = $"doc-{i % 30}";
            index.Add(document, i, KeywordIndex.Analyze(text, null, 2));
            if (i % 30 >= 20) fresh.Add(document, i, KeywordIndex.Analyze(text, null, 2));
        }
        for (var d = 0; d < 20; d++) index.RemoveDocument($"doc-{d}");
        var query = new[] { Vocabulary[1], Vocabulary[22], Vocabulary[33] };

        Assert.Equal(1000, index.Count);
        Assert.All(index.Search(query, 1000), hit => Assert.True(hit.ChunkRowId % 30 >= 20));
        index.Compact();
        var hits = index.Search(query, 20);
        var expected = fresh.Search(query, 20);
        Assert.Equal(expected.Select(h => h.ChunkRowId), hits.Select(h => h.ChunkRowId));
        Assert.Equal(expected.Select(h => h.Score), hits.Select(h => h.Score));
    }

    [Fact]
    public void Search_KeepsOnlyAllowedDocuments_AndTheHeadingCountsTwice()
    {
        var index = new KeywordIndex();
        index.Add("a", 1, KeywordIndex.Analyze("harbor light", null, 2));
        index.Add("b", 2, KeywordIndex.Analyze("harbor light", "Harbor", 2));
        index.Add("c", 3, KeywordIndex.Analyze("nothing here", null, 2));

        Assert.Equal([2L, 1L], index.Search(KeywordAnalyzer.QueryTerms("harbors"), 5).Select(h => h.ChunkRowId));
        Assert.Equal([1L], index.Search(["harbor"], 5, new HashSet<string> { "a", "c" }).Select(h => h.ChunkRowId));
        Assert.Empty(index.Search(["harbor"], 5, new HashSet<string> { "unknown" }));
        Assert.Empty(index.Search(["absent"], 5));
    }

    [Fact]
    public void Search_ReadsLongPostingListsAcrossTheirBlocks()
    {
        // 60,000 chunks share a term: its postings run over several fixed-size blocks, trimmed and then grown again.
        var index = new KeywordIndex();
        for (var i = 0; i < 60_000; i++)
            index.Add($"doc-{i / 1000}", i, KeywordIndex.Analyze(i % 7 == 0 ? "tide tide tide tide tide" : "tide", null, 2));
        index.TrimExcess();
        index.Add("late", 60_000, KeywordIndex.Analyze("tide tide tide tide tide", null, 2));

        var hits = index.Search(["tide"], 70_000);

        Assert.Equal(60_001, hits.Count);
        // Five occurrences in a five-term chunk beat one in a one-term chunk; ties keep the earlier chunk first.
        Assert.Equal(0L, hits[0].ChunkRowId);
        const int repeated = 60_000 / 7 + 1; // chunks 0, 7, ..., 59,997
        Assert.Equal(59_997L, hits[repeated - 1].ChunkRowId);
        Assert.Equal(60_000L, hits[repeated].ChunkRowId);
        Assert.Equal(1L, hits[repeated + 1].ChunkRowId);
    }

    private static string RandomText(Random random) =>
        string.Join(' ', Enumerable.Range(0, random.Next(5, 40)).Select(_ => Vocabulary[(int)(Math.Pow(random.NextDouble(), 2) * Vocabulary.Length)]));

    private static IEnumerable<(long Row, float Score)> ReferenceBm25(List<(long Row, string Document, string Text)> chunks, string[] query)
    {
        const double k1 = 1.2, b = 0.75;
        var terms = chunks.Select(c => KeywordAnalyzer.Terms(c.Text)).ToList();
        // Lengths are normalised against a fixed average, the rule Qdrant's sparse vectors need too.
        const double average = Bm25.AverageLength;
        return chunks.Select((chunk, i) =>
        {
            double score = 0;
            foreach (var term in query)
            {
                var df = terms.Count(t => t.Contains(term));
                var tf = terms[i].Count(t => t == term);
                if (tf == 0) continue;
                var idf = Math.Log(1 + (chunks.Count - df + 0.5) / (df + 0.5));
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * terms[i].Count / average));
            }
            return (chunk.Row, Score: (float)score);
        }).Where(x => x.Score > 0).OrderByDescending(x => x.Score).ThenBy(x => x.Row);
    }
}
