using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;

namespace DocQa.Storage.Tests;

/// <summary>
/// What every <see cref="IDocumentStore"/> must do. A store's test class derives from this and says how to create
/// an empty store and how to reopen one; xunit makes a new instance per test, so each test starts empty. A store that
/// needs a server it cannot reach skips each test with the reason (Skip.If in CreateStore).
/// </summary>
public abstract class DocumentStoreContract : IDisposable
{
    protected const string Index = "test";
    protected const int Dimension = 8;
    protected static readonly DateTimeOffset T0 = new(2024, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly List<IDocumentStore> _stores = [];

    /// <summary>A new store over empty storage.</summary>
    protected abstract IDocumentStore CreateStore();

    /// <summary>Closes <paramref name="store"/> and opens the same storage again, as a restart would.</summary>
    protected abstract IDocumentStore ReopenStore(IDocumentStore store);

    /// <summary>
    /// Stores whose collection is made for one embedding model hold one vector size in every index; a run of the
    /// contract on such a store skips the test of per-index sizes.
    /// </summary>
    protected virtual bool OneVectorSizeForAllIndexes => false;

    protected T Track<T>(T store) where T : IDocumentStore
    {
        _stores.Add(store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var store in _stores)
            (store as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }

    // --- Records ---

    [SkippableFact]
    public async Task SavedRecord_ComesBackWithEveryField()
    {
        var store = CreateStore();
        var record = Record("report", status: DocumentStatus.Failed, tags: new() { ["team"] = "finance", ["year"] = "2023" }) with
        {
            Error = "no text layer",
            Pages = 12,
            PagesWithoutText = 3,
            PagesOcr = [2, 5],
            Warnings = ["page 7 has no text layer and OCR is not installed (apt-get install tesseract-ocr)"],
            Chunks = 40,
            Attempts = 2,
            SizeBytes = 123_456,
            UpdatedAt = T0.AddMinutes(5),
            Metadata = new Dictionary<string, string> { ["title"] = "Quarterly report", ["organization"] = "Acme Corporation", ["periodEnd"] = "2023-07-01" },
            SourcePath = "/srv/shared/reports/Quarterly report.pdf",
        };
        await store.SaveDocumentAsync(record);

        AssertSameRecord(record, await store.GetDocumentAsync(Index, "report"));
        AssertSameRecord(record, Assert.Single(await store.ListDocumentsAsync(Index)));
    }

    [SkippableFact]
    public async Task GetDocument_WhenUnknown_ReturnsNull()
    {
        var store = CreateStore();
        await store.SaveDocumentAsync(Record("a"));

        Assert.Null(await store.GetDocumentAsync(Index, "b"));
        Assert.Null(await store.GetDocumentAsync("other", "a"));
    }

    [SkippableFact]
    public async Task SaveDocument_Again_ReplacesTheRecord()
    {
        var store = CreateStore();
        await store.SaveDocumentAsync(Record("a", tags: new() { ["v"] = "1" }));
        var changed = Record("a", status: DocumentStatus.Ready, tags: new() { ["v"] = "2" }) with { FileName = "a-v2.pdf", Sha256 = "beef" };
        await store.SaveDocumentAsync(changed);

        AssertSameRecord(changed, Assert.Single(await store.ListDocumentsAsync(Index)));
    }

    [SkippableFact]
    public async Task ListDocuments_IsOrderedByCreationThenId_AndHoldsOnlyThatIndex()
    {
        var store = CreateStore();
        await store.SaveDocumentAsync(Record("c", createdAt: T0.AddHours(1)));
        await store.SaveDocumentAsync(Record("b", createdAt: T0));
        await store.SaveDocumentAsync(Record("a", createdAt: T0.AddHours(1)));
        await store.SaveDocumentAsync(Record("z", index: "other", createdAt: T0.AddHours(-1)));

        var ids = (await store.ListDocumentsAsync(Index)).Select(record => record.Id);

        Assert.Equal(["b", "a", "c"], ids);
    }

    [SkippableFact]
    public async Task ListIndexes_OfAnEmptyStore_HasOnlyDefault()
    {
        var store = CreateStore();

        var index = Assert.Single(await store.ListIndexesAsync());

        Assert.Equal((IndexNames.Default, 0, 0), Counts(index));
    }

    [SkippableFact]
    public async Task ListIndexes_CountsDocumentsAndChunks_SortedByName()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("a", index: "zeta"), [Chunk("a", 0, "one", Axis(0)), Chunk("a", 1, "two", Axis(1))]);
        await store.CompleteDocumentAsync(Record("b", index: "zeta"), [Chunk("b", 0, "three", Axis(2))]);
        await store.SaveDocumentAsync(Record("c", index: "alpha"));
        await store.CompleteDocumentAsync(Record("d", index: IndexNames.Default), [Chunk("d", 0, "four", Axis(3))]);

        var indexes = await store.ListIndexesAsync();

        Assert.Equal([("alpha", 1, 0), (IndexNames.Default, 1, 1), ("zeta", 2, 3)], indexes.Select(Counts));
    }

    // --- Embedding models ---

    [SkippableFact]
    public async Task EachDocument_RecordsTheModelOfItsVectors_AndIndexesCountDocumentsPerModel()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("old") with { EmbeddingModel = "model-a" }, [Chunk("old", 0, "one", Axis(0))]);
        await store.CompleteDocumentAsync(Record("new") with { EmbeddingModel = "model-b" }, [Chunk("new", 0, "two", Axis(1))]);
        await store.CompleteDocumentAsync(Record("newer") with { EmbeddingModel = "model-b" }, [Chunk("newer", 0, "three", Axis(2))]);
        await store.SaveDocumentAsync(Record("waiting", status: DocumentStatus.Queued));

        Assert.Equal("model-a", (await store.GetDocumentAsync(Index, "old"))!.EmbeddingModel);
        var index = (await store.ListIndexesAsync()).Single(i => i.Name == Index);
        Assert.Equal([("model-a", 1), ("model-b", 2)], index.DocumentsByEmbeddingModel.OrderBy(m => m.Key).Select(m => (m.Key, m.Value)));
    }

    [SkippableFact]
    public async Task VectorSearch_ForOneModel_ComparesOnlyThatModelsVectors()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("a") with { EmbeddingModel = "model-a" }, [Chunk("a", 0, "one", Axis(0))]);
        await store.CompleteDocumentAsync(Record("b") with { EmbeddingModel = "model-b" }, [Chunk("b", 0, "two", Mix((0, 0.9f), (1, 0.1f)))]);

        var ofB = await store.VectorSearchAsync(Index, Axis(0), 5, new SearchFilter { EmbeddingModel = "model-b" });
        var ofA = await store.VectorSearchAsync(Index, Axis(0), 5, new SearchFilter { EmbeddingModel = "model-a" });

        Assert.Equal(["b#0"], ofB.Select(p => p.ChunkId));
        Assert.Equal(["a#0"], ofA.Select(p => p.ChunkId));
        Assert.Equal(2, (await store.VectorSearchAsync(Index, Axis(0), 5, SearchFilter.None)).Count);
    }

    [SkippableFact]
    public async Task ChunksOf_GiveBackWhatIsEmbeddedAgain_InOrder_AndReplacingThemSwapsTheModel()
    {
        var store = CreateStore();
        var record = Record("doc") with { EmbeddingModel = "model-a" };
        await store.CompleteDocumentAsync(record,
        [
            Chunk("doc", 1, "| Revenue | 7,192 |", Axis(1), heading: "Results") with { LeadLength = 0 },
            Chunk("doc", 0, "Quarter | 2024\n| Costs | 2,544 |", Axis(0), heading: "Results", page: 2, pageEnd: 3) with { LeadLength = 15 },
        ]);

        var chunks = await store.ChunksOfAsync(Index, "doc");

        Assert.Equal([0, 1], chunks.Select(c => c.Ordinal));
        Assert.Equal("Results\n| Costs | 2,544 |", chunks[0].EmbeddingText);
        Assert.Equal((2, 3, 15), (chunks[0].Page, chunks[0].PageEnd, chunks[0].LeadLength));
        Assert.Empty(await store.ChunksOfAsync(Index, "missing"));

        await store.CompleteDocumentAsync(record with { EmbeddingModel = "model-b" }, [.. chunks.Select((c, i) => c with { Vector = Axis(2 + i) })]);

        Assert.Equal("model-b", (await store.GetDocumentAsync(Index, "doc"))!.EmbeddingModel);
        Assert.Equal("doc#0", (await store.VectorSearchAsync(Index, Axis(2), 1, new SearchFilter { EmbeddingModel = "model-b" })).Single().ChunkId);
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(2), 1, new SearchFilter { EmbeddingModel = "model-a" }));
        Assert.Equal(15, (await store.ChunksOfAsync(Index, "doc"))[0].LeadLength);
    }

    [SkippableFact]
    public async Task ChunkRange_ReadsTheChunksBetweenTwoOrdinals_InOrder()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"),
            [.. Enumerable.Range(0, 6).Select(i => Chunk("doc", i, $"chunk {i}", Axis(i), page: 1 + i / 3, pageEnd: 1 + i / 3))]);

        var range = await store.ChunkRangeAsync(Index, "doc", 2, 4);

        Assert.Equal([2, 3, 4], range.Select(c => c.Ordinal));
        Assert.Equal(["chunk 2", "chunk 3", "chunk 4"], range.Select(c => c.Text));
        Assert.Equal([1, 2, 2], range.Select(c => c.Page));
        Assert.Equal([0, 1], (await store.ChunkRangeAsync(Index, "doc", -4, 1)).Select(c => c.Ordinal));
        Assert.Empty(await store.ChunkRangeAsync(Index, "missing", 0, 4));
    }

    [SkippableFact]
    public async Task ReadyCopiesOfTheSameBytes_AreFoundByHash_WithTheirChunksAndVectors()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("a") with { Sha256 = "same" },
        [
            Chunk("a", 1, "second", Axis(1), heading: "H") with { LeadLength = 2 },
            Chunk("a", 0, "first", Axis(0), page: 2, pageEnd: 3),
        ]);
        await store.SaveDocumentAsync(Record("queued", status: DocumentStatus.Queued) with { Sha256 = "same" });
        await store.CompleteDocumentAsync(Record("other") with { Sha256 = "different" }, [Chunk("other", 0, "x", Axis(2))]);
        await store.CompleteDocumentAsync(Record("a", index: "elsewhere") with { Sha256 = "same" }, [Chunk("a", 0, "y", Axis(3))]);

        Assert.Equal(["a"], (await store.FindReadyBySha256Async(Index, "same")).Select(d => d.Id));
        var chunks = await store.ChunksWithVectorsAsync(Index, "a");
        Assert.Equal([0, 1], chunks.Select(c => c.Ordinal));
        Assert.Equal(("first", 2, 3), (chunks[0].Text, chunks[0].Page, chunks[0].PageEnd));
        Assert.Equal(("second", "H", 2), (chunks[1].Text, chunks[1].Heading, chunks[1].LeadLength));
        Assert.Equal(Axis(0), chunks[0].Vector.ToArray());
        Assert.Equal(Axis(1), chunks[1].Vector.ToArray());
        Assert.Empty(await store.ChunksWithVectorsAsync(Index, "missing"));
    }

    // --- Vector search ---

    [SkippableFact]
    public async Task VectorSearch_ReturnsTheNearestChunksBestFirst_WithCosineScores()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("a", fileName: "a.pdf"),
        [
            Chunk("a", 0, "north", Axis(0), heading: "Compass", page: 2, pageEnd: 3),
            Chunk("a", 1, "east", Axis(1)),
            Chunk("a", 2, "north-east", Mix((0, 1), (1, 1))),
        ]);
        await store.CompleteDocumentAsync(Record("b"), [Chunk("b", 0, "up", Axis(5))]);

        var hits = await store.VectorSearchAsync(Index, Mix((0, 0.9f), (1, 0.1f)), 2, SearchFilter.None);

        Assert.Equal(["a#0", "a#2"], hits.Select(hit => hit.ChunkId));
        var best = hits[0];
        Assert.Equal(("a", "a.pdf", 0, 2, 3, "Compass", "north"), (best.DocumentId, best.FileName, best.Ordinal, best.Page, best.PageEnd, best.Heading, best.Text));
        var expected = 0.9 / Math.Sqrt(0.82);
        Assert.Equal(expected, best.Score, 4);
        Assert.True(hits[0].Score > hits[1].Score);
    }

    [SkippableFact]
    public async Task VectorSearch_TakesAnyVectorSize_PerIndex()
    {
        Skip.If(OneVectorSizeForAllIndexes, "this store holds one vector size, the embedding model's, in every index");
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("small", index: "three"), [Chunk("small", 0, "x", Axis(2, dimension: 3))]);
        await store.CompleteDocumentAsync(Record("large", index: "wide"),
            [Chunk("large", 0, "x", Axis(100, dimension: 384)), Chunk("large", 1, "y", Axis(383, dimension: 384))]);

        var small = await store.VectorSearchAsync("three", Axis(2, dimension: 3), 5, SearchFilter.None);
        var large = await store.VectorSearchAsync("wide", Axis(383, dimension: 384), 1, SearchFilter.None);

        Assert.Equal("small#0", Assert.Single(small).ChunkId);
        Assert.Equal("large#1", Assert.Single(large).ChunkId);
    }

    [SkippableFact]
    public async Task VectorSearch_OfAnUnknownOrEmptyIndex_ReturnsNothing()
    {
        var store = CreateStore();
        await store.SaveDocumentAsync(Record("queued-only"));

        Assert.Empty(await store.VectorSearchAsync("nowhere", Axis(0), 5, SearchFilter.None));
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 5, SearchFilter.None));
    }

    // --- Keyword search ---

    [SkippableFact]
    public async Task KeywordSearch_RanksTheMatchingChunkFirst()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("policy", fileName: "policy.docx"),
        [
            Chunk("policy", 0, "Employees may carry over five days of annual leave into the next year.", Axis(0)),
            Chunk("policy", 1, "Expense reports are due by the tenth of each month.", Axis(1)),
            Chunk("policy", 2, "The office is closed on public holidays.", Axis(2)),
        ]);

        var hits = await store.KeywordSearchAsync(Index, "How many days of annual leave carry over?", 3, SearchFilter.None);

        Assert.Equal("policy#0", hits[0].ChunkId);
        Assert.Equal("policy.docx", hits[0].FileName);
        Assert.True(hits[0].Score > 0);
        Assert.All(hits.Skip(1), hit => Assert.True(hit.Score < hits[0].Score));
    }

    [SkippableFact]
    public async Task KeywordSearch_FindsNumbersWrittenWithSeparators()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("annual-report"),
        [
            Chunk("annual-report", 0, "Net sales were $81,797 million in fiscal 2023.", Axis(0)),
            Chunk("annual-report", 1, "Headcount grew to 797 people across 81 offices.", Axis(1)),
            Chunk("annual-report", 2, "Operating income was 22,354 in 2022.", Axis(2)),
        ]);

        var separated = await store.KeywordSearchAsync(Index, "81,797", 5, SearchFilter.None);
        var year = await store.KeywordSearchAsync(Index, "What happened in 2023?", 5, SearchFilter.None);

        Assert.Equal("annual-report#0", separated[0].ChunkId);
        Assert.DoesNotContain(separated, hit => hit.ChunkId == "annual-report#2");
        Assert.Equal("annual-report#0", Assert.Single(year).ChunkId);
    }

    [SkippableTheory]
    [InlineData("\"a\" OR NEAR(")]
    [InlineData("*")]
    [InlineData("\"")]
    [InlineData("'")]
    [InlineData("leave*")]
    [InlineData("text:leave")]
    [InlineData("heading : leave")]
    [InlineData("NOT leave")]
    [InlineData("AND OR NOT")]
    [InlineData("^leave -days +carry")]
    [InlineData("NEAR(leave days, 2)")]
    [InlineData("{text heading}: leave")]
    [InlineData("leave\" OR \"x")]
    [InlineData("'; DROP TABLE chunks; --")]
    [InlineData("leave\uD800\0days")]
    public async Task KeywordSearch_WithQuerySyntaxInTheText_NeverFails(string query)
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("policy"), [Chunk("policy", 0, "Annual leave days carry over.", Axis(0))]);

        var hits = await store.KeywordSearchAsync(Index, query, 5, SearchFilter.None);

        Assert.All(hits, hit => Assert.Equal("policy", hit.DocumentId));
        Assert.Single(await store.ListDocumentsAsync(Index));
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("?!, ... --")]
    public async Task KeywordSearch_WithNothingSearchable_ReturnsNothing(string query)
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("a"), [Chunk("a", 0, "anything at all", Axis(0))]);

        Assert.Empty(await store.KeywordSearchAsync(Index, query, 5, SearchFilter.None));
    }

    [SkippableFact]
    public async Task KeywordSearch_WordsAreMatchedOrNotAll()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("a"), [Chunk("a", 0, "The warranty lasts two years.", Axis(0))]);

        // Most words of the question are absent; one shared word is enough to be found.
        var hits = await store.KeywordSearchAsync(Index, "how long does the product warranty coverage remain valid", 5, SearchFilter.None);

        Assert.Equal("a#0", Assert.Single(hits).ChunkId);
    }

    // --- Filters and index isolation ---

    [SkippableFact]
    public async Task Searches_FilteredByDocumentIds_SkipOtherDocuments()
    {
        var store = CreateStore();
        await AddTwoSimilarDocuments(store);
        var filter = new SearchFilter { DocumentIds = ["second"] };

        // "first" is the better match in both modes, so an unfiltered search would rank it first.
        var vector = await store.VectorSearchAsync(Index, Axis(0), 1, filter);
        var keyword = await store.KeywordSearchAsync(Index, "budget", 1, filter);

        Assert.Equal("second", Assert.Single(vector).DocumentId);
        Assert.Equal("second", Assert.Single(keyword).DocumentId);
        Assert.Equal("first", (await store.VectorSearchAsync(Index, Axis(0), 1, SearchFilter.None))[0].DocumentId);
        Assert.Equal("first", (await store.KeywordSearchAsync(Index, "budget", 1, SearchFilter.None))[0].DocumentId);
    }

    [SkippableFact]
    public async Task Searches_FilteredByTags_NeedEveryTag()
    {
        var store = CreateStore();
        await AddTwoSimilarDocuments(store);
        var both = new SearchFilter { Tags = new Dictionary<string, string> { ["team"] = "finance", ["year"] = "2024" } };
        var none = new SearchFilter { Tags = new Dictionary<string, string> { ["team"] = "finance", ["year"] = "1999" } };

        var vector = await store.VectorSearchAsync(Index, Axis(0), 5, both);
        Assert.Equal(["second#0", "second#1"], vector.Select(hit => hit.ChunkId));
        Assert.Equal("second", Assert.Single(await store.KeywordSearchAsync(Index, "budget", 5, both)).DocumentId);
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 5, none));
        Assert.Empty(await store.KeywordSearchAsync(Index, "budget", 5, none));
    }

    [SkippableFact]
    public async Task Searches_FilteredByTags_MatchKeysAndValuesExactly()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("odd", tags: new() { ["site.name"] = "Zürich \"HQ\"", ["$[0]"] = "x'y" }), [Chunk("odd", 0, "tagged text", Axis(0))]);
        await store.CompleteDocumentAsync(Record("plain", tags: new() { ["site"] = "Zürich" }), [Chunk("plain", 0, "tagged text", Axis(0))]);
        var exact = new SearchFilter { Tags = new Dictionary<string, string> { ["site.name"] = "Zürich \"HQ\"", ["$[0]"] = "x'y" } };
        var wrongCase = new SearchFilter { Tags = new Dictionary<string, string> { ["site.name"] = "zürich \"hq\"" } };

        Assert.Equal("odd", Assert.Single(await store.VectorSearchAsync(Index, Axis(0), 5, exact)).DocumentId);
        Assert.Equal("odd", Assert.Single(await store.KeywordSearchAsync(Index, "tagged", 5, exact)).DocumentId);
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 5, wrongCase));
        Assert.Empty(await store.KeywordSearchAsync(Index, "tagged", 5, wrongCase));
    }

    [SkippableFact]
    public async Task Searches_FilteredByTags_SeeTagsChangedBySave()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc", tags: new() { ["state"] = "draft" }), [Chunk("doc", 0, "tagged text", Axis(0))]);
        await store.SaveDocumentAsync(Record("doc", tags: new() { ["state"] = "final" }));
        var draft = new SearchFilter { Tags = new Dictionary<string, string> { ["state"] = "draft" } };
        var final = new SearchFilter { Tags = new Dictionary<string, string> { ["state"] = "final" } };

        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 5, draft));
        Assert.Empty(await store.KeywordSearchAsync(Index, "tagged", 5, draft));
        Assert.Single(await store.VectorSearchAsync(Index, Axis(0), 5, final));
        Assert.Single(await store.KeywordSearchAsync(Index, "tagged", 5, final));
    }

    [SkippableFact]
    public async Task Searches_FilteredByMetadata_NeedEveryValue_InAnyCase_WithTagsOverriding()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("acme") with { Metadata = new Dictionary<string, string> { ["organization"] = "ACME CORPORATION", ["type"] = "handbook" } },
            [Chunk("acme", 0, "leave policy text", Axis(0))]);
        await store.CompleteDocumentAsync(Record("beta", tags: new() { ["type"] = "policy" }) with { Metadata = new Dictionary<string, string> { ["organization"] = "Beta Ltd", ["type"] = "handbook" } },
            [Chunk("beta", 0, "leave policy text", Axis(0))]);
        SearchFilter Metadata(params (string Key, string Value)[] values) => new() { Metadata = values.ToDictionary(v => v.Key, v => v.Value) };

        var acme = Metadata(("organization", "Acme Corporation"), ("type", "handbook"));
        Assert.Equal("acme", Assert.Single(await store.VectorSearchAsync(Index, Axis(0), 5, acme)).DocumentId);
        Assert.Equal("acme", Assert.Single(await store.KeywordSearchAsync(Index, "leave", 5, acme)).DocumentId);
        // The tag "type: policy" replaces beta's derived type.
        Assert.Equal("beta", Assert.Single(await store.VectorSearchAsync(Index, Axis(0), 5, Metadata(("type", "policy")))).DocumentId);
        Assert.Equal("acme", Assert.Single(await store.KeywordSearchAsync(Index, "leave", 5, Metadata(("type", "handbook")))).DocumentId);
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 5, Metadata(("organization", "Acme"))));
        Assert.Empty(await store.KeywordSearchAsync(Index, "leave", 5, Metadata(("fiscalYear", "2024"))));

        // Tags changed later change what the filter sees, and the record keeps its derived metadata apart.
        await store.SaveDocumentAsync(Record("acme", tags: new() { ["organization"] = "Acme Holdings" }) with { Metadata = new Dictionary<string, string> { ["organization"] = "ACME CORPORATION", ["type"] = "handbook" } });
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 5, acme));
        Assert.Single(await store.KeywordSearchAsync(Index, "leave", 5, Metadata(("organization", "acme holdings"))));
        Assert.Equal("ACME CORPORATION", (await store.GetDocumentAsync(Index, "acme"))!.Metadata["organization"]);

        var reopened = ReopenStore(store);
        Assert.Single(await reopened.VectorSearchAsync(Index, Axis(0), 5, Metadata(("organization", "Acme Holdings"))));
        Assert.Equal("beta", Assert.Single(await reopened.KeywordSearchAsync(Index, "leave", 5, Metadata(("type", "policy")))).DocumentId);
    }

    [SkippableFact]
    public async Task Searches_CombineDocumentIdsAndTags()
    {
        var store = CreateStore();
        await AddTwoSimilarDocuments(store);
        var filter = new SearchFilter { DocumentIds = ["first", "missing"], Tags = new Dictionary<string, string> { ["team"] = "finance" } };

        Assert.Equal(["first#0", "first#1"], (await store.VectorSearchAsync(Index, Axis(0), 5, filter)).Select(hit => hit.ChunkId));
        Assert.Equal("first", Assert.Single(await store.KeywordSearchAsync(Index, "budget", 5, filter)).DocumentId);
    }

    [SkippableFact]
    public async Task Searches_StayInsideTheirIndex()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("same", index: "left"), [Chunk("same", 0, "shared words here", Axis(0))]);
        await store.CompleteDocumentAsync(Record("same", index: "right", fileName: "right.pdf"), [Chunk("same", 0, "shared words here", Axis(0))]);

        var vector = await store.VectorSearchAsync("right", Axis(0), 5, SearchFilter.None);
        var keyword = await store.KeywordSearchAsync("right", "shared", 5, SearchFilter.None);

        Assert.Equal("right.pdf", Assert.Single(vector).FileName);
        Assert.Equal("right.pdf", Assert.Single(keyword).FileName);
    }

    [SkippableFact]
    public async Task OpeningPassages_AreTheFirstChunksInOrder_OfTheCurrentVersion()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"), [Chunk("doc", 0, "old title", Axis(0), chunkId: "old-0")]);
        await store.CompleteDocumentAsync(Record("doc", fileName: "Contract.pdf"),
        [
            Chunk("doc", 2, "third", Axis(2), page: 2, pageEnd: 2, chunkId: "new-2"),
            Chunk("doc", 0, "Agreement made as of March 3, 2021", Axis(0), heading: "Contract", chunkId: "new-0"),
            Chunk("doc", 1, "between Fabrikam and Northwind", Axis(1), chunkId: "new-1"),
        ]);
        await store.CompleteDocumentAsync(Record("other"), [Chunk("other", 0, "other text", Axis(0))]);

        var opening = await store.OpeningPassagesAsync(Index, "doc", 2);

        Assert.Equal(["new-0", "new-1"], opening.Select(p => p.ChunkId));
        Assert.Equal(("doc", "Contract.pdf", 0, "Contract", "Agreement made as of March 3, 2021"),
            (opening[0].DocumentId, opening[0].FileName, opening[0].Ordinal, opening[0].Heading, opening[0].Text));
        Assert.Empty(await store.OpeningPassagesAsync(Index, "missing", 2));
    }

    // --- Replacing and deleting ---

    [SkippableFact]
    public async Task CompleteAgain_LeavesExactlyTheNewChunks()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"),
            [Chunk("doc", 0, "old apple", Axis(0), chunkId: "old-0"), Chunk("doc", 1, "old banana", Axis(1), chunkId: "old-1"), Chunk("doc", 2, "old cherry", Axis(2), chunkId: "old-2")]);
        await store.CompleteDocumentAsync(Record("doc") with { Chunks = 2 },
            [Chunk("doc", 0, "new apple", Axis(0), chunkId: "new-0"), Chunk("doc", 1, "new damson", Axis(3), chunkId: "new-1")]);

        var vector = await store.VectorSearchAsync(Index, Axis(0), 10, SearchFilter.None);
        var keyword = await store.KeywordSearchAsync(Index, "old new apple banana cherry damson", 10, SearchFilter.None);

        Assert.Equal(["new-0", "new-1"], vector.Select(hit => hit.ChunkId).Order());
        Assert.Equal(["new-0", "new-1"], keyword.Select(hit => hit.ChunkId).Order());
        Assert.Empty(await store.KeywordSearchAsync(Index, "banana", 10, SearchFilter.None));
        Assert.Equal((Index, 1, 2), Counts((await store.ListIndexesAsync()).Single(index => index.Name == Index)));
        Assert.Equal(2, (await store.GetDocumentAsync(Index, "doc"))!.Chunks);
    }

    [SkippableFact]
    public async Task SaveDocument_OfAReadyDocument_KeepsItsChunksUntilReplaced()
    {
        var store = CreateStore();
        await store.CompleteDocumentAsync(Record("doc"), [Chunk("doc", 0, "first version", Axis(0))]);

        // A new upload of the same document: the record goes back to the queue, the old text stays searchable.
        await store.SaveDocumentAsync(Record("doc", status: DocumentStatus.Queued) with { Sha256 = "new-hash" });

        Assert.Equal("doc#0", Assert.Single(await store.VectorSearchAsync(Index, Axis(0), 5, SearchFilter.None)).ChunkId);
        Assert.Equal("doc#0", Assert.Single(await store.KeywordSearchAsync(Index, "version", 5, SearchFilter.None)).ChunkId);
        Assert.Equal(DocumentStatus.Queued, (await store.GetDocumentAsync(Index, "doc"))!.Status);
    }

    [SkippableFact]
    public async Task DeleteDocument_RemovesItsRecordAndPassages()
    {
        var store = CreateStore();
        await AddTwoSimilarDocuments(store);

        Assert.True(await store.DeleteDocumentAsync(Index, "first"));
        Assert.False(await store.DeleteDocumentAsync(Index, "first"));

        Assert.Null(await store.GetDocumentAsync(Index, "first"));
        Assert.All(await store.VectorSearchAsync(Index, Axis(0), 10, SearchFilter.None), hit => Assert.Equal("second", hit.DocumentId));
        Assert.All(await store.KeywordSearchAsync(Index, "budget forecast", 10, SearchFilter.None), hit => Assert.Equal("second", hit.DocumentId));
        Assert.NotEmpty(await store.VectorSearchAsync(Index, Axis(0), 10, SearchFilter.None));
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 10, new SearchFilter { DocumentIds = ["first"] }));
        Assert.Equal((Index, 1, 2), Counts((await store.ListIndexesAsync()).Single(index => index.Name == Index)));
    }

    [SkippableFact]
    public async Task DeleteIndex_RemovesEverythingInIt_AndNothingElse()
    {
        var store = CreateStore();
        await AddTwoSimilarDocuments(store);
        await store.CompleteDocumentAsync(Record("kept", index: "other"), [Chunk("kept", 0, "budget", Axis(0))]);

        await store.DeleteIndexAsync(Index);

        Assert.Empty(await store.ListDocumentsAsync(Index));
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 10, SearchFilter.None));
        Assert.Empty(await store.KeywordSearchAsync(Index, "budget", 10, SearchFilter.None));
        Assert.Equal([IndexNames.Default, "other"], (await store.ListIndexesAsync()).Select(index => index.Name));
        Assert.Single(await store.VectorSearchAsync("other", Axis(0), 10, SearchFilter.None));
    }

    // --- The queue ---

    [SkippableFact]
    public async Task ClaimNextQueued_TakesTheOldestFirst_AndCountsAttempts()
    {
        var store = CreateStore();
        Assert.Null(await store.ClaimNextQueuedAsync());

        await store.SaveDocumentAsync(Record("first", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("ready", status: DocumentStatus.Ready));
        await store.SaveDocumentAsync(Record("second", index: "other", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("third", status: DocumentStatus.Queued) with { Attempts = 2 });
        // Saved again while still queued: keeps its place.
        await store.SaveDocumentAsync(Record("first", status: DocumentStatus.Queued) with { Sha256 = "again" });

        var claimed = new List<DocumentRecord>();
        while (await store.ClaimNextQueuedAsync() is { } record) claimed.Add(record);

        Assert.Equal(["first", "second", "third"], claimed.Select(record => record.Id));
        Assert.All(claimed, record => Assert.Equal(DocumentStatus.Processing, record.Status));
        Assert.Equal([1, 1, 3], claimed.Select(record => record.Attempts));
        Assert.Equal(DocumentStatus.Processing, (await store.GetDocumentAsync(Index, "third"))!.Status);
        Assert.Equal(3, (await store.GetDocumentAsync(Index, "third"))!.Attempts);
        Assert.True(claimed[0].UpdatedAt > T0);
    }

    [SkippableFact]
    public async Task ClaimNextQueued_PassesOverTheSkippedIndexes()
    {
        var store = CreateStore();
        await store.SaveDocumentAsync(Record("busy-1", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("busy-2", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("calm-1", index: "calm", status: DocumentStatus.Queued));

        Assert.Equal("calm-1", (await store.ClaimNextQueuedAsync([Index]))!.Id);
        Assert.Null(await store.ClaimNextQueuedAsync([Index, "calm"]));
        Assert.Equal("busy-1", (await store.ClaimNextQueuedAsync(["calm"]))!.Id);
        Assert.Equal("busy-2", (await store.ClaimNextQueuedAsync([]))!.Id);
    }

    [SkippableFact]
    public async Task CountQueued_CountsOnlyWaitingDocuments_InEveryIndex()
    {
        var store = CreateStore();
        Assert.Equal(0, await store.CountQueuedAsync());
        await store.SaveDocumentAsync(Record("a", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("b", index: "other", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("c", status: DocumentStatus.Ready));
        Assert.Equal(2, await store.CountQueuedAsync());

        await store.ClaimNextQueuedAsync();
        Assert.Equal(1, await store.CountQueuedAsync());
    }

    [SkippableFact]
    public async Task ClaimNextQueued_AReQueuedDocumentGoesToTheBack()
    {
        var store = CreateStore();
        await store.SaveDocumentAsync(Record("a", status: DocumentStatus.Ready));
        await store.SaveDocumentAsync(Record("b", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("a", status: DocumentStatus.Queued));

        Assert.Equal("b", (await store.ClaimNextQueuedAsync())!.Id);
        Assert.Equal("a", (await store.ClaimNextQueuedAsync())!.Id);
    }

    [SkippableFact]
    public async Task ClaimNextQueued_FromManyTasks_ClaimsEachDocumentOnce()
    {
        var store = CreateStore();
        for (var i = 0; i < 20; i++)
            await store.SaveDocumentAsync(Record($"doc-{i:00}", status: DocumentStatus.Queued));

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (await store.ClaimNextQueuedAsync() is { } record) mine.Add(record.Id);
            return mine;
        })));

        var all = claims.SelectMany(ids => ids).ToList();
        Assert.Equal(20, all.Count);
        Assert.Equal(20, all.Distinct().Count());
    }

    [SkippableFact]
    public async Task RequeueInterrupted_PutsProcessingDocumentsBackInTheQueue()
    {
        var store = CreateStore();
        await store.SaveDocumentAsync(Record("a", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("b", status: DocumentStatus.Queued));
        await store.SaveDocumentAsync(Record("done", status: DocumentStatus.Ready));
        await store.ClaimNextQueuedAsync();
        await store.ClaimNextQueuedAsync();

        Assert.Equal(2, await store.RequeueInterruptedAsync());
        Assert.Equal(0, await store.RequeueInterruptedAsync());

        var statuses = (await store.ListDocumentsAsync(Index)).ToDictionary(record => record.Id, record => record.Status);
        Assert.Equal(DocumentStatus.Queued, statuses["a"]);
        Assert.Equal(DocumentStatus.Queued, statuses["b"]);
        Assert.Equal(DocumentStatus.Ready, statuses["done"]);
        var again = await store.ClaimNextQueuedAsync();
        Assert.Equal(2, again!.Attempts);
    }

    // --- Restart and concurrency ---

    [SkippableFact]
    public async Task Reopen_BringsBackRecordsChunksAndVectors()
    {
        var store = CreateStore();
        var record = Record("doc", tags: new() { ["k"] = "v" }) with { Pages = 4 };
        await store.CompleteDocumentAsync(record, [Chunk("doc", 0, "alpha text", Axis(0)), Chunk("doc", 1, "beta text", Axis(1))]);
        await store.CompleteDocumentAsync(Record("gone"), [Chunk("gone", 0, "alpha gone", Axis(0))]);
        await store.DeleteDocumentAsync(Index, "gone");
        await store.SaveDocumentAsync(Record("waiting", status: DocumentStatus.Queued));
        var before = await store.VectorSearchAsync(Index, Mix((0, 1), (1, 2)), 5, SearchFilter.None);

        store = ReopenStore(store);

        AssertSameRecord(record, await store.GetDocumentAsync(Index, "doc"));
        var after = await store.VectorSearchAsync(Index, Mix((0, 1), (1, 2)), 5, SearchFilter.None);
        Assert.Equal(before.Select(hit => (hit.ChunkId, Math.Round(hit.Score, 5))), after.Select(hit => (hit.ChunkId, Math.Round(hit.Score, 5))));
        Assert.Equal(["doc#1", "doc#0"], after.Select(hit => hit.ChunkId));
        Assert.Equal("doc#0", Assert.Single(await store.KeywordSearchAsync(Index, "alpha", 5, SearchFilter.None)).ChunkId);
        Assert.Equal(2, (await store.VectorSearchAsync(Index, Axis(0), 5, new SearchFilter { Tags = new Dictionary<string, string> { ["k"] = "v" } })).Count);
        Assert.Empty(await store.VectorSearchAsync(Index, Axis(0), 5, new SearchFilter { Tags = new Dictionary<string, string> { ["k"] = "w" } }));
        Assert.Equal("waiting", (await store.ClaimNextQueuedAsync())!.Id);
    }

    [SkippableFact]
    public async Task ConcurrentWriters_LeaveConsistentCounts()
    {
        var store = CreateStore();
        const int writers = 6, documentsEach = 5, chunksEach = 3;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            for (var d = 0; d < documentsEach; d++)
            {
                var id = $"w{writer}-d{d}";
                await store.SaveDocumentAsync(Record(id, status: DocumentStatus.Queued));
                var chunks = Enumerable.Range(0, chunksEach)
                    .Select(c => Chunk(id, c, $"shared text {id} part {c}", Axis((writer + c) % Dimension)))
                    .ToList();
                await store.CompleteDocumentAsync(Record(id) with { Chunks = chunksEach }, chunks);
            }
        })));

        const int totalChunks = writers * documentsEach * chunksEach;
        Assert.Equal((Index, writers * documentsEach, totalChunks), Counts((await store.ListIndexesAsync()).Single(index => index.Name == Index)));
        Assert.Equal(totalChunks, (await store.VectorSearchAsync(Index, Axis(0), 1000, SearchFilter.None)).Count);
        Assert.Equal(totalChunks, (await store.KeywordSearchAsync(Index, "shared", 1000, SearchFilter.None)).Count);
        Assert.All(await store.ListDocumentsAsync(Index), record => Assert.Equal(DocumentStatus.Ready, record.Status));
    }

    [SkippableFact]
    public async Task SearchesDuringReplacement_SeeTheOldSetOrTheNewSet_NeverAMix()
    {
        var store = CreateStore();
        const int chunksPerGeneration = 5, generations = 30;
        await store.CompleteDocumentAsync(Record("doc"), Generation(0));

        const int readerCount = 2;
        var readersStarted = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = Task.Run(async () =>
        {
            await allStarted.Task; // replacements only count while someone is reading
            for (var g = 1; g <= generations; g++)
                await store.CompleteDocumentAsync(Record("doc"), Generation(g));
        });
        var readers = Enumerable.Range(0, readerCount).Select(_ => Task.Run(async () =>
        {
            var reads = 0;
            while ((reads == 0 || !writer.IsCompleted) && reads < 5000)
            {
                AssertOneGeneration(await store.VectorSearchAsync(Index, Axis(0), 20, SearchFilter.None));
                AssertOneGeneration(await store.KeywordSearchAsync(Index, "alpha", 20, SearchFilter.None));
                if (++reads == 1 && Interlocked.Increment(ref readersStarted) == readerCount) allStarted.SetResult();
            }
            return reads;
        })).ToList();

        await writer;
        var reads = await Task.WhenAll(readers);
        Assert.All(reads, count => Assert.True(count > 1));
        AssertOneGeneration(await store.VectorSearchAsync(Index, Axis(0), 20, SearchFilter.None), expected: generations);

        static List<StoredChunk> Generation(int g) => Enumerable.Range(0, chunksPerGeneration)
            .Select(i => Chunk("doc", i, $"alpha generation{g} part{i}", Mix((0, 4), (1 + i % 7, 1)), chunkId: $"g{g}-{i}"))
            .ToList();

        static void AssertOneGeneration(IReadOnlyList<Passage> hits, int? expected = null)
        {
            Assert.Equal(chunksPerGeneration, hits.Count);
            var seen = hits.Select(hit => hit.ChunkId.Split('-')[0]).Distinct().ToList();
            Assert.Single(seen);
            if (expected is not null) Assert.Equal($"g{expected}", seen[0]);
        }
    }

    // --- Helpers ---

    /// <summary>"first" (team finance, 2023) matches axis 0 and "budget" best; "second" (finance, 2024) a little less.</summary>
    protected static async Task AddTwoSimilarDocuments(IDocumentStore store)
    {
        await store.CompleteDocumentAsync(Record("first", tags: new() { ["team"] = "finance", ["year"] = "2023" }),
        [
            Chunk("first", 0, "The budget budget forecast for the year.", Axis(0)),
            Chunk("first", 1, "Unrelated notes on parking.", Axis(4)),
        ]);
        await store.CompleteDocumentAsync(Record("second", tags: new() { ["team"] = "finance", ["year"] = "2024" }),
        [
            Chunk("second", 0, "A budget review with many other words in this longer sentence about planning.", Mix((0, 2), (1, 1))),
            Chunk("second", 1, "Cafeteria menu.", Axis(5)),
        ]);
    }

    protected static DocumentRecord Record(
        string id,
        string index = Index,
        DocumentStatus status = DocumentStatus.Ready,
        Dictionary<string, string>? tags = null,
        DateTimeOffset? createdAt = null,
        string? fileName = null) => new()
        {
            Index = index,
            Id = id,
            FileName = fileName ?? id + ".pdf",
            ContentType = "application/pdf",
            SizeBytes = 1000,
            Sha256 = "0123abcd",
            Tags = tags ?? [],
            Status = status,
            CreatedAt = createdAt ?? T0,
            UpdatedAt = createdAt ?? T0,
        };

    protected static StoredChunk Chunk(string documentId, int ordinal, string text, float[] vector,
        string? heading = null, int page = 1, int pageEnd = 1, string? chunkId = null) =>
        new(chunkId ?? $"{documentId}#{ordinal}", ordinal, text, heading, page, pageEnd, vector);

    /// <summary>The unit vector along one axis.</summary>
    protected static float[] Axis(int axis, int dimension = Dimension)
    {
        var vector = new float[dimension];
        vector[axis] = 1;
        return vector;
    }

    /// <summary>A unit vector with the given weights on some axes.</summary>
    protected static float[] Mix(params (int Axis, float Weight)[] parts)
    {
        var vector = new float[Dimension];
        foreach (var (axis, weight) in parts) vector[axis] += weight;
        var length = MathF.Sqrt(vector.Sum(value => value * value));
        return vector.Select(value => value / length).ToArray();
    }

    protected static (string Name, int Documents, int Chunks) Counts(IndexSummary index) => (index.Name, index.Documents, index.Chunks);

    protected static void AssertSameRecord(DocumentRecord expected, DocumentRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Tags = actual.Tags, Metadata = actual.Metadata, PagesOcr = actual.PagesOcr, Warnings = actual.Warnings }, actual);
        Assert.Equal(expected.PagesOcr, actual.PagesOcr);
        Assert.Equal(expected.Warnings, actual.Warnings);
        Assert.Equal(expected.Tags.OrderBy(tag => tag.Key), actual.Tags.OrderBy(tag => tag.Key));
        Assert.Equal(expected.Metadata.OrderBy(entry => entry.Key), actual.Metadata.OrderBy(entry => entry.Key));
    }
}
