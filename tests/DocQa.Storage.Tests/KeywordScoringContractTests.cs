using Microsoft.Extensions.Options;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Storage.Qdrant;
using DocQa.Storage.Sqlite;

namespace DocQa.Storage.Tests;

/// <summary>
/// Both backends score keywords by one <see cref="Bm25"/>: the embedded store's ranking must equal the one Qdrant
/// makes of the sparse vectors DocQa gives it. Without a server, Qdrant's part is done here, by its formula; with
/// QDRANT_URL set, by Qdrant itself.
/// </summary>
public sealed class KeywordScoringContractTests : IDisposable
{
    private const string Index = "contract";
    private static readonly string? QdrantUrl = Environment.GetEnvironmentVariable("QDRANT_URL");

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "docqa-storage-tests", Guid.NewGuid().ToString("N"));
    private QdrantDocumentStore? _qdrant;

    // Headings repeat some text terms and add others; lengths differ, so heading weight and length both decide.
    private static readonly (string Document, string? Heading, string Text)[] Corpus =
    [
        ("harbor", "Harbor Authority > Tides", "The harbor tide chart lists high water at 06:40 and low water at 12:55."),
        ("harbor", "Harbor Authority > Fees", "Mooring fees rose 3.5% to $1,250 a season; the harbor waives fees for rescue boats."),
        ("harbor", null, "Tide tide tide: the tide tables of the harbor were reprinted after the storm damaged the pier, the crane and the fuel dock."),
        ("lighthouse", "Lighthouse Keepers' Log", "The keeper logged the light at dusk; fog signals sounded for three hours while the tide turned."),
        ("lighthouse", "Lighthouse Keepers' Log > Repairs", "Repairs to the lantern room, its lens, its clockwork and the harbor-facing gallery cost 1,250 dollars in all."),
        ("ferry", "Ferry Timetable", "Ferries leave the harbor hourly; the last ferry waits for the evening tide."),
        ("ferry", "Ferry Timetable > Fares", "A return fare is $12; children ride free; bicycles pay a fee of $3 each way on every ferry."),
        ("ferry", null, "Résumé of the ferry company: founded in 1902, it runs four boats between the islands and the mainland harbor."),
    ];

    public static TheoryData<string> Queries =>
    [
        "harbor tide", "ferry fees", "What did the lighthouse repairs cost?", "1,250", "resume of the ferry company", "keeper fog tide harbor",
    ];

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task EmbeddedStore_RanksLikeQdrantsScoringOfTheSparseVectors(string query)
    {
        using var store = new SqliteDocumentStore(Path.Combine(_folder, "docqa.db"));
        await IndexCorpusAsync(store);

        var embedded = await store.KeywordSearchAsync(Index, query, Corpus.Length, SearchFilter.None);
        var expected = SparseVectorRanking(query);

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(r => r.ChunkId), embedded.Select(p => p.ChunkId));
        Assert.All(expected.Zip(embedded), pair => Assert.Equal(pair.First.Score, pair.Second.Score, 1e-4));
    }

    [SkippableTheory]
    [MemberData(nameof(Queries))]
    public async Task EmbeddedStore_RanksLikeAQdrantServer(string query)
    {
        Skip.If(string.IsNullOrWhiteSpace(QdrantUrl), "QDRANT_URL is not set; the Qdrant side of the keyword contract needs a Qdrant server");
        using var embeddedStore = new SqliteDocumentStore(Path.Combine(_folder, "docqa.db"));
        await IndexCorpusAsync(embeddedStore);
        _qdrant = new QdrantDocumentStore(Options.Create(new QdrantStoreOptions
        {
            Url = QdrantUrl,
            ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY"),
            CollectionPrefix = "docqa_test_" + Guid.NewGuid().ToString("N")[..12],
            Dimensions = 2,
        }));
        await _qdrant.EnsureCollectionsAsync();
        await IndexCorpusAsync(_qdrant);

        var embedded = await embeddedStore.KeywordSearchAsync(Index, query, Corpus.Length, SearchFilter.None);
        var qdrant = await _qdrant.KeywordSearchAsync(Index, query, Corpus.Length, SearchFilter.None);

        Assert.NotEmpty(embedded);
        Assert.Equal(embedded.Select(p => p.ChunkId), qdrant.Select(p => p.ChunkId));
    }

    /// <summary>What Qdrant computes: the dot product of the query's and each chunk's sparse vector, each dimension times its IDF.</summary>
    private static List<(string ChunkId, double Score)> SparseVectorRanking(string query)
    {
        var chunks = Corpus.Select((c, i) => (Id: ChunkId(c.Document, i), Vector: KeywordVectors.ForChunk(c.Text, c.Heading))).ToList();
        var (queryValues, queryIndices) = KeywordVectors.ForQuery(query);
        var scores = new List<(string ChunkId, double Score)>();
        foreach (var (id, (values, indices)) in chunks)
        {
            double score = 0;
            for (var q = 0; q < queryIndices.Length; q++)
            {
                var at = Array.IndexOf(indices, queryIndices[q]);
                if (at < 0) continue;
                var matching = chunks.Count(c => c.Vector.Indices.Contains(queryIndices[q]));
                var idf = Math.Log(1 + (chunks.Count - matching + 0.5) / (matching + 0.5));
                score += queryValues[q] * idf * values[at];
            }
            if (score > 0) scores.Add((id, score));
        }
        return scores.OrderByDescending(s => s.Score).ToList();
    }

    private static async Task IndexCorpusAsync(IDocumentStore store)
    {
        foreach (var document in Corpus.Select(c => c.Document).Distinct())
        {
            var chunks = Corpus.Select((c, i) => (c, i)).Where(x => x.c.Document == document)
                .Select(x => new StoredChunk(ChunkId(document, x.i), x.i, x.c.Text, x.c.Heading, 1, 1, new float[] { 1, 0 }))
                .ToList();
            await store.CompleteDocumentAsync(new DocumentRecord
            {
                Index = Index,
                Id = document,
                FileName = document + ".txt",
                ContentType = "text/plain",
                Sha256 = new string('0', 64),
                Status = DocumentStatus.Ready,
            }, chunks);
        }
    }

    private static string ChunkId(string document, int ordinal) => $"{document}#{ordinal}";

    public void Dispose()
    {
        if (_qdrant is not null)
        {
            _qdrant.DropCollectionsAsync().GetAwaiter().GetResult();
            _qdrant.Dispose();
        }
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
