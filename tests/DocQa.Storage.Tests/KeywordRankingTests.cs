using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;

namespace DocQa.Storage.Tests;

/// <summary>Keyword search ranks before it reads text; these check that the shortcuts keep the results of each index whole.</summary>
public sealed class KeywordRankingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "docqa-storage-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task KeywordSearch_ReturnsAFullTopOfItsIndex_WhenAnotherIndexRanksHigher()
    {
        using var store = new SqliteDocumentStore(Path.Combine(_folder, "docqa.db"));
        // The other index's chunks say "harbor" more often, so a ranking across indexes would put them first.
        await store.CompleteDocumentAsync(Record("other", "loud"), Enumerable.Range(0, 5)
            .Select(i => Chunk("loud", i, "harbor harbor harbor harbor")).ToList());
        await store.CompleteDocumentAsync(Record("mine", "quiet"), Enumerable.Range(0, 5)
            .Select(i => Chunk("quiet", i, $"the harbor light number {i} and some other words")).ToList());

        var hits = await store.KeywordSearchAsync("mine", "harbor", 3, SearchFilter.None);

        Assert.Equal(3, hits.Count);
        Assert.All(hits, hit => Assert.Equal("quiet", hit.DocumentId));
        Assert.True(hits[0].Score >= hits[1].Score && hits[1].Score >= hits[2].Score);
    }

    [Fact]
    public async Task KeywordSearch_OfTheOnlyIndex_MatchesTheFilteredForm()
    {
        using var store = new SqliteDocumentStore(Path.Combine(_folder, "docqa.db"));
        await store.CompleteDocumentAsync(Record("only", "a"), Enumerable.Range(0, 20)
            .Select(i => Chunk("a", i, string.Join(' ', Enumerable.Repeat("tide", 1 + i % 4)) + $" chart {i}")).ToList());

        var unfiltered = await store.KeywordSearchAsync("only", "tide chart", 10, SearchFilter.None);
        var filtered = await store.KeywordSearchAsync("only", "tide chart", 10, new SearchFilter { DocumentIds = ["a"] });

        Assert.Equal(filtered.Select(p => (p.ChunkId, p.Score)), unfiltered.Select(p => (p.ChunkId, p.Score)));
        Assert.Equal(10, unfiltered.Count);
    }

    private static DocumentRecord Record(string index, string id) => new()
    {
        Index = index,
        Id = id,
        FileName = id + ".txt",
        ContentType = "text/plain",
        Sha256 = new string('0', 64),
        Status = DocumentStatus.Ready,
    };

    private static StoredChunk Chunk(string document, int ordinal, string text) =>
        new($"{document}#{ordinal}", ordinal, text, null, 1, 1, new float[] { 1, 0 });

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
