using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DocQa.Storage.Tests;

/// <summary>
/// A store in the middle of a model change: documents on the old model are searched with the question embedded by the
/// old model, the others with the new one's, and re-embedding moves every document to the new model.
/// </summary>
public sealed class MixedModelSearchTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "docqa-mixed-" + Guid.NewGuid().ToString("N")[..10] + ".db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" }) File.Delete(file);
    }

    [Fact]
    public async Task Each_document_is_found_with_its_own_models_question_vector_until_it_is_reembedded()
    {
        // Two "models" that place the same words on different axes: comparing across them finds the wrong document.
        var oldModel = new WordAxisEmbedder("old-model", ["ferry", "bread", "apple"]);
        var newModel = new WordAxisEmbedder("new-model", ["apple", "ferry", "bread"]);
        using var store = new SqliteDocumentStore(_path);
        await Complete(store, "ferries", "ferry timetable", oldModel);
        await Complete(store, "bakery", "bread baking", oldModel);
        await Complete(store, "orchard", "apple harvest", newModel);

        using var spaces = new EmbeddingSpaces(newModel, name => name == "old-model" ? oldModel : null);
        var reembedder = new Reembedder(store, store, spaces, new DocumentWriteLock(), NullLogger<Reembedder>.Instance);
        var retriever = new Retriever(store, newModel, Options.Create(new RetrievalOptions()), subjects: null, spaces);

        var progress = await reembedder.ScanAsync();
        Assert.Equal((3, 2), (progress.Documents, progress.Remaining));
        Assert.Equal(["old-model"], spaces.OlderModels);
        foreach (var (question, expected) in new[] { ("ferry", "ferries"), ("bread", "bakery"), ("apple", "orchard") })
            Assert.Equal(expected, (await retriever.SearchAsync(new SearchRequest("main", question, 1, RetrievalMode.Vector)))[0].DocumentId);

        Assert.Equal(2, await reembedder.RunAsync());

        Assert.Empty(spaces.OlderModels);
        Assert.All(await store.ListDocumentsAsync("main"), d => Assert.Equal("new-model", d.EmbeddingModel));
        Assert.False(reembedder.Progress.InProgress);
        foreach (var (question, expected) in new[] { ("ferry", "ferries"), ("bread", "bakery"), ("apple", "orchard") })
            Assert.Equal(expected, (await retriever.SearchAsync(new SearchRequest("main", question, 1, RetrievalMode.Vector)))[0].DocumentId);
    }

    private static async Task Complete(SqliteDocumentStore store, string id, string text, WordAxisEmbedder model)
    {
        var vector = (await model.GenerateAsync([text]))[0].Vector;
        await store.CompleteDocumentAsync(new DocumentRecord
        {
            Index = "main", Id = id, FileName = id + ".txt", ContentType = "text/plain", Sha256 = new string('a', 64),
            Status = DocumentStatus.Ready, Chunks = 1, EmbeddingModel = model.Name,
        }, [new StoredChunk($"{id}#0", 0, text, null, 1, 1, vector)]);
    }

    /// <summary>A unit vector on the axis of the first listed word the text holds (the last axis when none).</summary>
    private sealed class WordAxisEmbedder(string name, string[] words) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public string Name => name;

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
            EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(text =>
            {
                var vector = new float[words.Length + 1];
                var axis = Array.FindIndex(words, w => text.Contains(w, StringComparison.Ordinal));
                vector[axis < 0 ? words.Length : axis] = 1;
                return new Embedding<float>(vector) { ModelId = name };
            })));

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, name, words.Length + 1) : null;

        public void Dispose() { }
    }
}
