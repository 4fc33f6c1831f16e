using System.Numerics.Tensors;

namespace DocQa.Storage.Sqlite;

/// <summary>
/// The vectors of one index as one contiguous row-major float array, searched exactly by dot product (the vectors
/// are unit length, so the dot product is the cosine). Each row remembers its chunk's row id and document.
/// Not thread-safe: the store guards it with a reader/writer lock.
/// </summary>
internal sealed class VectorMatrix
{
    private float[] _values = [];
    private long[] _chunkRowIds = [];
    private int[] _documentKeys = [];

    // Document ids are interned to small ints so rows stay compact and a filter becomes a bool[] lookup.
    private readonly Dictionary<string, int> _documentKeyById = new(StringComparer.Ordinal);
    private readonly List<string> _documentIds = [];

    /// <summary>Vector length of this index; set by the first row, free to change again once the matrix is empty.</summary>
    public int Dimension { get; private set; }

    public int Count { get; private set; }

    public int Capacity => _chunkRowIds.Length;

    public int CountOf(string documentId)
    {
        if (!_documentKeyById.TryGetValue(documentId, out var key)) return 0;
        var count = 0;
        for (var row = 0; row < Count; row++)
            if (_documentKeys[row] == key) count++;
        return count;
    }

    public void Add(string documentId, long chunkRowId, ReadOnlySpan<float> vector)
    {
        if (vector.IsEmpty) throw new ArgumentException("A vector needs at least one dimension.", nameof(vector));
        if (Count == 0 && vector.Length != Dimension)
        {
            // An empty index may take a new embedding size; the old buffers have the wrong row width.
            Dimension = vector.Length;
            _values = [];
            _chunkRowIds = [];
            _documentKeys = [];
        }
        else if (vector.Length != Dimension)
            throw new ArgumentException($"Vector has {vector.Length} dimensions; this index holds {Dimension}.", nameof(vector));

        EnsureCapacity(Count + 1);
        vector.CopyTo(_values.AsSpan(Count * Dimension, Dimension));
        _chunkRowIds[Count] = chunkRowId;
        _documentKeys[Count] = KeyOf(documentId);
        Count++;
    }

    /// <summary>Removes every row of the document by moving the last row into each hole. Returns how many went.</summary>
    public int RemoveDocument(string documentId)
    {
        if (!_documentKeyById.TryGetValue(documentId, out var key)) return 0;
        var removed = 0;
        // Walking down from the end means the row moved into a hole has already been looked at and is kept.
        for (var row = Count - 1; row >= 0; row--)
        {
            if (_documentKeys[row] != key) continue;
            var last = Count - 1;
            if (row != last)
            {
                Array.Copy(_values, last * Dimension, _values, row * Dimension, Dimension);
                _chunkRowIds[row] = _chunkRowIds[last];
                _documentKeys[row] = _documentKeys[last];
            }
            Count--;
            removed++;
        }
        return removed;
    }

    /// <summary>
    /// The <paramref name="top"/> rows most similar to the query, best first. When <paramref name="allowedDocuments"/>
    /// is given, rows of other documents are skipped before they can take a place in the top.
    /// </summary>
    public IReadOnlyList<(long ChunkRowId, float Score)> Search(ReadOnlySpan<float> query, int top, IReadOnlySet<string>? allowedDocuments = null)
    {
        if (top <= 0 || Count == 0) return [];
        if (query.Length != Dimension)
            throw new ArgumentException($"Query vector has {query.Length} dimensions; this index holds {Dimension}.", nameof(query));

        bool[]? allowed = null;
        if (allowedDocuments is not null)
        {
            allowed = new bool[_documentIds.Count];
            var any = false;
            foreach (var id in allowedDocuments)
                if (_documentKeyById.TryGetValue(id, out var key)) any = allowed[key] = true;
            if (!any) return [];
        }

        // A min-heap of the best rows so far: its root is the weakest and is the one to beat. O(n log k), no full sort.
        var best = new PriorityQueue<int, float>(Math.Min(top, Count) + 1);
        var values = _values.AsSpan();
        for (var row = 0; row < Count; row++)
        {
            if (allowed is not null && !allowed[_documentKeys[row]]) continue;
            var score = TensorPrimitives.Dot(values.Slice(row * Dimension, Dimension), query);
            if (best.Count < top) best.Enqueue(row, score);
            else if (best.TryPeek(out _, out var weakest) && score > weakest) best.DequeueEnqueue(row, score);
        }

        var results = new (long, float)[best.Count];
        for (var i = results.Length - 1; i >= 0; i--)
        {
            best.TryDequeue(out var row, out var score);
            results[i] = (_chunkRowIds[row], score);
        }
        return results;
    }

    private int KeyOf(string documentId)
    {
        if (_documentKeyById.TryGetValue(documentId, out var key)) return key;
        key = _documentIds.Count;
        _documentIds.Add(documentId);
        _documentKeyById.Add(documentId, key);
        return key;
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= Capacity) return;
        // Doubling keeps appends amortised O(1); one float[] caps an index at about 2^31 values (5.5M rows of 384).
        var capacity = Math.Max(16, Capacity * 2);
        while (capacity < rows) capacity *= 2;
        if ((long)capacity * Dimension > Array.MaxLength)
            capacity = Array.MaxLength / Dimension;
        if (capacity < rows) throw new InvalidOperationException("The vector matrix of this index is full.");

        var values = new float[capacity * Dimension];
        Array.Copy(_values, values, Count * Dimension);
        _values = values;
        Array.Resize(ref _chunkRowIds, capacity);
        Array.Resize(ref _documentKeys, capacity);
    }
}
