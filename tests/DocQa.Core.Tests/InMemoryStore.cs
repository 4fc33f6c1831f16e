using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;

namespace DocQa.Core.Tests;

/// <summary>
/// A small searchable store for tests of what sits above retrieval: documents given as their passages, vector search
/// by <see cref="HashEmbedder"/> cosine, keyword search by matching <see cref="KeywordAnalyzer"/> terms (more terms
/// matched, rarer terms, ranks higher).
/// </summary>
public sealed class InMemoryStore : IDocumentRecords, ISearchIndex
{
    private readonly List<DocumentRecord> _documents = [];
    private readonly List<Passage> _chunks = [];

    /// <summary>Adds a ready document to index "main"; each text is one chunk, on page i + 1.</summary>
    public InMemoryStore Add(string fileName, params string[] chunks) => Add(fileName, new Dictionary<string, string>(), chunks);

    /// <summary>Adds a ready document with the metadata ingestion would have derived.</summary>
    public InMemoryStore Add(string fileName, IReadOnlyDictionary<string, string> metadata, params string[] chunks)
    {
        var id = $"doc{_documents.Count}";
        _documents.Add(new DocumentRecord
        {
            Index = "main", Id = id, FileName = fileName, ContentType = "text/plain", Sha256 = new string('a', 64),
            Status = DocumentStatus.Ready, Chunks = chunks.Length, Pages = chunks.Length, Metadata = metadata,
        });
        var title = Path.GetFileNameWithoutExtension(fileName);
        for (var i = 0; i < chunks.Length; i++)
            _chunks.Add(new Passage($"{id}:{i}", id, fileName, i, i + 1, i + 1, title, chunks[i], 0));
        return this;
    }

    public int KeywordSearches { get; private set; }

    public Task<IReadOnlyList<IndexSummary>> ListIndexesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<IndexSummary>>(_documents.GroupBy(d => d.Index)
            .Select(g => new IndexSummary(g.Key, g.Count(), g.Sum(d => d.Chunks))).ToList());

    public Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(string index, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DocumentRecord>>(_documents.Where(d => d.Index == index).ToList());

    public Task<DocumentRecord?> GetDocumentAsync(string index, string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_documents.FirstOrDefault(d => d.Index == index && d.Id == id));

    public Task SaveDocumentAsync(DocumentRecord record, CancellationToken cancellationToken = default)
    {
        _documents.RemoveAll(d => d.Index == record.Index && d.Id == record.Id);
        _documents.Add(record);
        return Task.CompletedTask;
    }

    public Task<bool> DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken = default)
    {
        if (_documents.RemoveAll(d => d.Index == index && d.Id == id) == 0) return Task.FromResult(false);
        _chunks.RemoveAll(c => c.DocumentId == id);
        return Task.FromResult(true);
    }

    public Task DeleteIndexAsync(string index, CancellationToken cancellationToken = default)
    {
        var ids = _documents.Where(d => d.Index == index).Select(d => d.Id).ToHashSet();
        _chunks.RemoveAll(c => ids.Contains(c.DocumentId));
        _documents.RemoveAll(d => d.Index == index);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Passage>> OpeningPassagesAsync(string index, string documentId, int count, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Passage>>(_chunks.Where(c => c.DocumentId == documentId).OrderBy(c => c.Ordinal).Take(count).ToList());

    public Task<IReadOnlyList<Passage>> VectorSearchAsync(string index, ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        var q = query.ToArray();
        var ranked = Allowed(filter)
            .Select(c => c with { Score = Dot(q, HashEmbedder.Embed(c.Heading + "\n" + c.Text)) })
            .OrderByDescending(c => c.Score)
            .Take(top)
            .ToList();
        return Task.FromResult<IReadOnlyList<Passage>>(ranked);
    }

    public Task<IReadOnlyList<Passage>> KeywordSearchAsync(string index, string query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        KeywordSearches++;
        var terms = KeywordAnalyzer.QueryTerms(query);
        var allowed = Allowed(filter).ToList();
        var chunkTerms = allowed.ToDictionary(c => c.ChunkId, c => KeywordAnalyzer.Terms(c.Heading + "\n" + c.Text).ToHashSet());
        double Idf(string t) => Math.Log(1 + (allowed.Count + 1.0) / (chunkTerms.Values.Count(s => s.Contains(t)) + 0.5));
        var ranked = allowed
            .Select(c => c with { Score = terms.Where(chunkTerms[c.ChunkId].Contains).Sum(Idf) })
            .Where(c => c.Score > 0)
            .OrderByDescending(c => c.Score)
            .Take(top)
            .ToList();
        return Task.FromResult<IReadOnlyList<Passage>>(ranked);
    }

    private IEnumerable<Passage> Allowed(SearchFilter filter) =>
        _chunks.Where(c => filter.DocumentIds.Count == 0 || filter.DocumentIds.Contains(c.DocumentId));

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
