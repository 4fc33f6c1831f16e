using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Storage.Qdrant;
using Qdrant.Client.Grpc;
using Microsoft.Extensions.Options;

namespace DocQa.Storage.Tests;

/// <summary>The Qdrant store's pure parts: point ids, keyword vectors, filters, payloads and the collection check.</summary>
public sealed class QdrantMappingTests
{
    // --- Point ids ---

    [Theory]
    // Expected values from an independent RFC 9562 implementation (Python's uuid.uuid5) with the same namespace.
    [InlineData("default\nreport-pdf", "0d63ebb3-2047-5059-8985-bc036d0dd562")]
    [InlineData("default\nreport-pdf\n1732700000000000\n3", "6c279ce6-62de-5f72-92ae-e5713c6813b6")]
    [InlineData("zürich", "f1589cc0-5aca-5ec9-b37c-de777e625286")]
    public void NameBasedIds_AreVersion5Uuids(string name, string expected)
    {
        Assert.Equal(Guid.Parse(expected), PointIds.NameBased(name));
    }

    [Fact]
    public void PointIds_AreStable_AndDifferInEveryPart()
    {
        Assert.Equal(Guid.Parse("0d63ebb3-2047-5059-8985-bc036d0dd562"), PointIds.Document("default", "report-pdf"));
        Assert.Equal(Guid.Parse("6c279ce6-62de-5f72-92ae-e5713c6813b6"), PointIds.Chunk("default", "report-pdf", 1732700000000000, 3));

        var ids = new[]
        {
            PointIds.Chunk("a", "doc", 1, 0), PointIds.Chunk("b", "doc", 1, 0), PointIds.Chunk("a", "doc2", 1, 0),
            PointIds.Chunk("a", "doc", 2, 0), PointIds.Chunk("a", "doc", 1, 1), PointIds.Document("a", "doc"),
            // Joined names must not collide when a part ends where another begins.
            PointIds.Document("ab", "c"), PointIds.Document("a", "bc"),
        };
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    // --- Keyword vectors ---

    [Fact]
    public void ChunkVector_HasOneSortedDimensionPerTerm_HeadingIncluded_StopWordsLeftOut()
    {
        var (values, indices) = KeywordVectors.ForChunk("The sales and the sales of apples", heading: "Revenue");

        var expected = new[] { "revenue", "sale", "apple" }.Select(KeywordAnalyzer.TermId).Order().ToArray();
        Assert.Equal(expected, indices);
        Assert.Equal(indices.Length, values.Length);
        Assert.All(values, value => Assert.True(value > 0));
    }

    [Fact]
    public void ChunkVector_WeighsLikeBm25TermFrequency()
    {
        var once = Weight(KeywordVectors.ForChunk("budget", null), "budget");
        var twice = Weight(KeywordVectors.ForChunk("budget budget", null), "budget");
        var inLongChunk = Weight(KeywordVectors.ForChunk("budget " + string.Join(' ', Enumerable.Range(0, 200).Select(i => $"word{i}x")), null), "budget");

        // tf=1, length 1: 2.2 / (1 + 1.2 * (0.25 + 0.75 / average))
        Assert.Equal(2.2 / (1 + 1.2 * (0.25 + 0.75 / Bm25.AverageLength)), once, 5);
        Assert.True(twice > once && twice < 2 * once, "more occurrences weigh more, with diminishing returns");
        Assert.True(inLongChunk < once, "a word weighs less in a longer chunk");
        Assert.True(twice < Bm25.K1 + 1, "the weight saturates below k1 + 1");
    }

    [Fact]
    public void QueryVector_IsOneForEachDistinctTerm_AndEmptyWithoutSearchableWords()
    {
        var (values, indices) = KeywordVectors.ForQuery("What were Apple's net sales? Net sales!");

        Assert.Equal(new[] { "apple", "net", "sale" }.Select(KeywordAnalyzer.TermId).Order().ToArray(), indices);
        Assert.All(values, value => Assert.Equal(1f, value));
        Assert.Empty(KeywordVectors.ForQuery("the of and").Indices);
        Assert.Empty(KeywordVectors.ForQuery("?!").Values);
    }

    // --- Filters ---

    [Fact]
    public void SearchFilter_None_KeepsToTheIndex()
    {
        var filter = QdrantFilters.Search("finance", SearchFilter.None);

        var condition = Assert.Single(filter.Must);
        Assert.Equal(("index", "finance"), (condition.Field.Key, condition.Field.Match.Keyword));
        Assert.Empty(filter.Should);
        Assert.Empty(filter.MustNot);
    }

    [Fact]
    public void SearchFilter_WithDocumentsAndTags_NeedsOneOfTheDocumentsAndEveryTag()
    {
        var filter = QdrantFilters.Search("finance", new SearchFilter
        {
            DocumentIds = ["b", "a", "b"],
            Tags = new Dictionary<string, string> { ["year"] = "2024", ["team"] = "fin:ance" },
        });

        Assert.Equal(4, filter.Must.Count);
        Assert.Equal(("index", "finance"), (filter.Must[0].Field.Key, filter.Must[0].Field.Match.Keyword));
        Assert.Equal("documentId", filter.Must[1].Field.Key);
        Assert.Equal(["b", "a"], filter.Must[1].Field.Match.Keywords.Strings);
        Assert.Equal(("tags", "4:team=fin:ance"), (filter.Must[2].Field.Key, filter.Must[2].Field.Match.Keyword));
        Assert.Equal(("tags", "4:year=2024"), (filter.Must[3].Field.Key, filter.Must[3].Field.Match.Keyword));
    }

    [Fact]
    public void SearchFilter_WithMetadata_NeedsEveryValue_InLowerCase_AsChunksCarryThem()
    {
        var filter = QdrantFilters.Search("finance", new SearchFilter
        {
            Metadata = new Dictionary<string, string> { ["type"] = "quarterly-report", ["organization"] = "Acme Corporation" },
        });

        Assert.Equal(3, filter.Must.Count);
        Assert.Equal(("metadata", "12:organization=acme corporation"), (filter.Must[1].Field.Key, filter.Must[1].Field.Match.Keyword));
        Assert.Equal(("metadata", "4:type=quarterly-report"), (filter.Must[2].Field.Key, filter.Must[2].Field.Match.Keyword));

        // A tag of a metadata key replaces the derived value on the chunks.
        var record = new DocumentRecord
        {
            Index = "finance", Id = "q3", FileName = "q3.pdf", ContentType = "application/pdf", Sha256 = "ab12",
            Metadata = new Dictionary<string, string> { ["organization"] = "ACME CORPORATION", ["type"] = "other" },
            Tags = new Dictionary<string, string> { ["type"] = "quarterly-report" },
        };
        var chunk = Payloads.FromChunk(record, 1, new StoredChunk("q3#0", 0, "text", null, 1, 1, new float[] { 1 }));
        Assert.Equal(["12:organization=acme corporation", "4:type=quarterly-report"],
            chunk["metadata"].ListValue.Values.Select(v => v.StringValue));
    }

    [Fact]
    public void TagKeywords_AreUnambiguous_WhateverTheKeysAndValuesHold()
    {
        Assert.NotEqual(QdrantFilters.TagKeyword("a:b", "c"), QdrantFilters.TagKeyword("a", "b:c"));
        Assert.NotEqual(QdrantFilters.TagKeyword("a=b", "c"), QdrantFilters.TagKeyword("a", "b=c"));
        Assert.Equal("9:site.name=Zürich \"HQ\"", QdrantFilters.TagKeyword("site.name", "Zürich \"HQ\""));
        Assert.Equal(["1:a=1", "1:b=2"], QdrantFilters.TagKeywords(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
    }

    [Fact]
    public void VersionFilters_SelectOneDocumentsOlderOrOneVersion()
    {
        var older = QdrantFilters.OlderVersions("idx", "doc", 42);
        var one = QdrantFilters.Version("idx", "doc", 42);

        Assert.Equal(["index", "documentId", "version"], older.Must.Select(c => c.Field.Key));
        Assert.Equal(42, older.Must[2].Field.Range.Lt);
        Assert.False(older.Must[2].Field.Range.HasLte);
        Assert.Equal(42, one.Must[2].Field.Match.Integer);
    }

    // --- Queries ---

    [Fact]
    public void HybridQuery_PrefetchesBothListsUnderTheFilter_AndFusesThemByWeightedRrf()
    {
        var filter = QdrantFilters.Search("idx", SearchFilter.None);
        var terms = KeywordVectors.ForQuery("net sales");

        var (fusion, prefetch) = QdrantQueries.Hybrid(new float[] { 0.6f, 0.8f }, terms, new HybridFusion(40, 20, 60, 1.0, 0.3), filter, limit: 15);

        Assert.Equal(["dense", "keywords"], prefetch.Select(p => p.Using));
        Assert.All(prefetch, p => Assert.Same(filter, p.Filter));
        Assert.Equal([40UL, 20UL], prefetch.Select(p => p.Limit));
        Assert.Equal([0.6f, 0.8f], prefetch[0].Query.Nearest.Dense.Data);
        Assert.Equal(terms.Indices, prefetch[1].Query.Nearest.Sparse.Indices);
        Assert.Equal(terms.Values, prefetch[1].Query.Nearest.Sparse.Values);
        Assert.Equal(61u, fusion.Rrf.K); // DocQa's 1/(60 + rank) is Qdrant's k = 61
        Assert.Equal([1f, 0.3f], fusion.Rrf.Weights);
    }

    [Fact]
    public void HybridQuery_GoesAsDeepAsTheResultLimit_AndWithoutTermsUsesTheDenseListAlone()
    {
        var filter = QdrantFilters.Search("idx", SearchFilter.None);

        var (deep, deepPrefetch) = QdrantQueries.Hybrid(new float[] { 1 }, KeywordVectors.ForQuery("sales"), new HybridFusion(40, 20, 60, 1, 0.3), filter, limit: 100);
        var (denseOnly, densePrefetch) = QdrantQueries.Hybrid(new float[] { 1 }, KeywordVectors.ForQuery("the of"), new HybridFusion(40, 20, 60, 1, 0.3), filter, limit: 10);

        Assert.Equal([100UL, 100UL], deepPrefetch.Select(p => p.Limit));
        Assert.Equal(2, deep.Rrf.Weights.Count);
        Assert.Equal("dense", Assert.Single(densePrefetch).Using);
        Assert.Equal([1f], denseOnly.Rrf.Weights);
    }

    // --- Payloads ---

    [Fact]
    public void RecordPayload_RoundTripsEveryField()
    {
        var record = new DocumentRecord
        {
            Index = "finance", Id = "q3-report", FileName = "Q3 report.pdf", ContentType = "application/pdf",
            SizeBytes = 12_345_678_901, Sha256 = "ab12", Status = DocumentStatus.Failed, Error = "no text",
            Tags = new Dictionary<string, string> { ["site.name"] = "Zürich", ["$[0]"] = "x'y" },
            Metadata = new Dictionary<string, string> { ["title"] = "Q3 report", ["organization"] = "Acme Corporation" },
            Pages = 12, PagesWithoutText = 3, Chunks = 40, Attempts = 2,
            PagesOcr = [4, 7], Warnings = ["page 9 has no text layer and OCR is turned off (Ocr:Enabled)"],
            CreatedAt = new DateTimeOffset(2024, 3, 1, 9, 30, 0, 123, TimeSpan.Zero).AddTicks(4567),
            UpdatedAt = new DateTimeOffset(2024, 3, 1, 11, 30, 0, TimeSpan.FromHours(2)),
        };
        var stored = new StoredRecord(record, ActiveVersion: 1_732_700_000_000_001, ActiveChunks: 40, "rev-1", QueuedAt: 17, "replica-a", LeaseExpires: 99);

        var back = Payloads.ToRecord(Payloads.FromRecord(stored));

        Assert.Equal(stored with { Record = back.Record }, back);
        Assert.Equal(record with { Tags = back.Record.Tags, Metadata = back.Record.Metadata, PagesOcr = back.Record.PagesOcr, Warnings = back.Record.Warnings }, back.Record);
        Assert.Equal(record.PagesOcr, back.Record.PagesOcr);
        Assert.Equal(record.Warnings, back.Record.Warnings);
        Assert.Equal(record.Tags.OrderBy(t => t.Key), back.Record.Tags.OrderBy(t => t.Key));
        Assert.Equal(record.Metadata.OrderBy(t => t.Key), back.Record.Metadata.OrderBy(t => t.Key));
        Assert.Equal(record.UpdatedAt.UtcDateTime, back.Record.UpdatedAt.UtcDateTime);
    }

    [Fact]
    public void RecordPayload_WithoutVersionOrLease_ComesBackWithout()
    {
        var record = new DocumentRecord { Index = "i", Id = "d", FileName = "d.txt", ContentType = "text/plain", Sha256 = "00", Status = DocumentStatus.Queued };

        var payload = Payloads.FromRecord(new StoredRecord(record, null, 0, "r", 5));
        var back = Payloads.ToRecord(payload);

        Assert.False(payload.ContainsKey(RecordFields.ActiveVersion));
        Assert.False(payload.ContainsKey(RecordFields.Error));
        Assert.Equal("queued", payload[RecordFields.Status].StringValue);
        Assert.Null(back.ActiveVersion);
        Assert.Null(back.LeaseOwner);
        Assert.Null(back.Record.Error);
    }

    [Fact]
    public void Tombstone_KeepsItsIdentityAndDeletionTime_AndMatchesNoQueueStatus()
    {
        var tombstone = Payloads.Tombstone("i", "doc", "rev-2", deletedAt: 1_732_700_000_000_000);
        var live = Payloads.FromRecord(new StoredRecord(
            new DocumentRecord { Index = "i", Id = "doc", FileName = "d", ContentType = "text/plain", Sha256 = "00" }, null, 0, "rev-1", 1));

        Assert.True(Payloads.IsTombstone(tombstone));
        Assert.False(Payloads.IsTombstone(live));
        Assert.Equal(("i", "doc", "rev-2", 1_732_700_000_000_000L),
            (tombstone["index"].StringValue, tombstone["id"].StringValue, tombstone["revision"].StringValue, tombstone["deletedAt"].IntegerValue));
        Assert.DoesNotContain(tombstone["status"].StringValue, Enum.GetValues<DocumentStatus>().Select(Payloads.StatusName));
    }

    [Fact]
    public void ChunkPayload_CarriesWhatFiltersAndPassagesNeed()
    {
        var record = new DocumentRecord
        {
            Index = "i", Id = "doc", FileName = "old.pdf", ContentType = "application/pdf", Sha256 = "00",
            Tags = new Dictionary<string, string> { ["team"] = "finance" },
        };
        var chunk = new StoredChunk("i:doc:00:3", 3, "Net sales rose.", "Results", 4, 5, new float[] { 1, 0 });

        var payload = Payloads.FromChunk(record, 77, chunk);
        var passage = Payloads.ToPassage(payload, "renamed.pdf", 0.5);

        Assert.Equal(("i", "doc", 77L), (payload["index"].StringValue, payload["documentId"].StringValue, payload["version"].IntegerValue));
        Assert.Equal(["4:team=finance"], payload["tags"].ListValue.Values.Select(v => v.StringValue));
        Assert.Equal(new Passage("i:doc:00:3", "doc", "renamed.pdf", 3, 4, 5, "Results", "Net sales rose.", 0.5), passage);
        Assert.Null(Payloads.ToPassage(Payloads.FromChunk(record, 1, chunk with { Heading = null }), "f", 0).Heading);
    }

    // --- The collection check ---

    [Fact]
    public void ChunksCollection_OfTheRightShape_Passes()
    {
        QdrantDocumentStore.CheckChunksCollection("docqa_chunks", ChunkCollection(384, Distance.Cosine, Modifier.Idf), 384);
    }

    [Fact]
    public void ChunksCollection_OfAnotherVectorSize_IsAClearError()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            QdrantDocumentStore.CheckChunksCollection("docqa_chunks", ChunkCollection(768, Distance.Cosine, Modifier.Idf), 384));

        Assert.Contains("'docqa_chunks'", error.Message);
        Assert.Contains("768-dimension", error.Message);
        Assert.Contains("384-dimension", error.Message);
    }

    [Theory]
    [InlineData(Distance.Dot, Modifier.Idf, "Cosine")]
    [InlineData(Distance.Cosine, Modifier.None, "IDF")]
    public void ChunksCollection_WithAnotherDistanceOrNoIdf_IsRefused(Distance distance, Modifier modifier, string named)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            QdrantDocumentStore.CheckChunksCollection("c", ChunkCollection(384, distance, modifier), 384));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void ChunksCollection_NotMadeByDocQa_IsRefused()
    {
        var foreign = new CollectionParams { VectorsConfig = new VectorsConfig { Params = new VectorParams { Size = 384, Distance = Distance.Cosine } } };

        var error = Assert.Throws<InvalidOperationException>(() => QdrantDocumentStore.CheckChunksCollection("c", foreign, 384));

        Assert.Contains("CollectionPrefix", error.Message);
    }

    [Fact]
    public async Task AStore_WhoseServerCannotBeReached_SaysWhereItLooked()
    {
        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        using var store = new QdrantDocumentStore(Options.Create(new QdrantStoreOptions { Url = "http://127.0.0.1:1" }));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ListIndexesAsync());

        Assert.Contains("http://127.0.0.1:1", error.Message);
        Assert.Contains("Storage:Qdrant:Url", error.Message);
    }

    private static CollectionParams ChunkCollection(ulong size, Distance distance, Modifier modifier) => new()
    {
        VectorsConfig = new VectorsConfig
        {
            ParamsMap = new VectorParamsMap { Map = { [QdrantDocumentStore.DenseVector] = new VectorParams { Size = size, Distance = distance } } },
        },
        SparseVectorsConfig = new SparseVectorConfig { Map = { [QdrantDocumentStore.KeywordVector] = new SparseVectorParams { Modifier = modifier } } },
    };

    private static double Weight((float[] Values, uint[] Indices) vector, string term) =>
        vector.Values[Array.IndexOf(vector.Indices, KeywordAnalyzer.TermId(term))];
}
