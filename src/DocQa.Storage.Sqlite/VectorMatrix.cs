using System.Numerics.Tensors;

namespace DocQa.Storage.Sqlite;

/// <summary>
/// The vectors of one index as one contiguous row-major array, searched by dot product (the vectors are unit length,
/// so the dot product is the cosine). Each row remembers its chunk's row id and document. In
/// <see cref="VectorPrecision.Float32"/> the rows are kept as given and scores are exact; in
/// <see cref="VectorPrecision.Int8"/> they are quantized (see <see cref="Int8Vectors"/>) and scores are close
/// estimates, to be rescored by the caller from the exact vectors. Not thread-safe: the store guards it with a
/// reader/writer lock.
/// </summary>
internal sealed class VectorMatrix(VectorPrecision precision = VectorPrecision.Float32)
{
    /// <summary>From this many rows on, a search splits the scan over the processor's cores.</summary>
    internal const int ParallelFromRows = 50_000;

    private float[] _values = [];   // Float32: Dimension floats a row
    private byte[] _codes = [];     // Int8: Dimension codes a row, shifted by 128 (see Int8Vectors.QuantizeShifted)
    private float[] _scales = [];   // Int8: one scale a row
    private long[] _chunkRowIds = [];
    private int[] _documentKeys = [];
    private DocumentKeys _documents = new();
    private int _reserved;

    public VectorPrecision Precision { get; } = precision;

    /// <summary>True when <see cref="Search"/> scores are exact cosines; false when they are quantized estimates.</summary>
    public bool IsExact => Precision == VectorPrecision.Float32;

    /// <summary>Vector length of this index; set by the first row, free to change again once the matrix is empty.</summary>
    public int Dimension { get; private set; }

    public int Count { get; private set; }

    public int Capacity => _chunkRowIds.Length;

    /// <summary>Bytes held by the rows' arrays (capacity included), for reports.</summary>
    public long MemoryBytes => (long)_values.Length * sizeof(float) + _codes.Length + (long)_scales.Length * sizeof(float)
        + (long)_chunkRowIds.Length * sizeof(long) + (long)_documentKeys.Length * sizeof(int);

    public int CountOf(string documentId)
    {
        if (!_documents.TryGet(documentId, out var key)) return 0;
        var count = 0;
        for (var row = 0; row < Count; row++)
            if (_documentKeys[row] == key) count++;
        return count;
    }

    /// <summary>Makes room for this many rows at once, sized exactly, once the first row has fixed the dimension.</summary>
    public void Reserve(int rows) => _reserved = Math.Max(_reserved, rows);

    public void Add(string documentId, long chunkRowId, ReadOnlySpan<float> vector)
    {
        if (vector.IsEmpty) throw new ArgumentException("A vector needs at least one dimension.", nameof(vector));
        if (Count == 0 && vector.Length != Dimension)
        {
            // An empty index may take a new embedding size; the old buffers have the wrong row width.
            Dimension = vector.Length;
            _values = [];
            _codes = [];
            _scales = [];
            _chunkRowIds = [];
            _documentKeys = [];
        }
        else if (vector.Length != Dimension)
            throw new ArgumentException($"Vector has {vector.Length} dimensions; this index holds {Dimension}.", nameof(vector));

        EnsureCapacity(Count + 1);
        if (IsExact)
            vector.CopyTo(_values.AsSpan(Count * Dimension, Dimension));
        else
            _scales[Count] = Int8Vectors.QuantizeShifted(vector, _codes.AsSpan(Count * Dimension, Dimension));
        _chunkRowIds[Count] = chunkRowId;
        _documentKeys[Count] = _documents.KeyOf(documentId);
        Count++;
    }

    /// <summary>Removes every row of the document by moving the last row into each hole. Returns how many went.</summary>
    public int RemoveDocument(string documentId)
    {
        if (!_documents.TryGet(documentId, out var key)) return 0;
        var removed = 0;
        // Walking down from the end means the row moved into a hole has already been looked at and is kept.
        for (var row = Count - 1; row >= 0; row--)
        {
            if (_documentKeys[row] != key) continue;
            var last = Count - 1;
            if (row != last)
            {
                if (IsExact)
                    Array.Copy(_values, last * Dimension, _values, row * Dimension, Dimension);
                else
                {
                    Array.Copy(_codes, last * Dimension, _codes, row * Dimension, Dimension);
                    _scales[row] = _scales[last];
                }
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
    /// is given, rows of other documents are skipped before they can take a place in the top. Scores are exact only
    /// when <see cref="IsExact"/>.
    /// </summary>
    public IReadOnlyList<(long ChunkRowId, float Score)> Search(ReadOnlySpan<float> query, int top, IReadOnlySet<string>? allowedDocuments = null)
    {
        if (top <= 0 || Count == 0) return [];
        if (query.Length != Dimension)
            throw new ArgumentException($"Query vector has {query.Length} dimensions; this index holds {Dimension}.", nameof(query));

        bool[]? allowed = null;
        if (allowedDocuments is not null && (allowed = _documents.Mask(allowedDocuments)) is null) return [];

        // The query in the rows' form: quantized too, so the inner loop is integer multiply-adds.
        var queryValues = query.ToArray();
        var queryCodes = IsExact ? [] : new sbyte[Dimension];
        var queryScale = IsExact ? 1f : Int8Vectors.Quantize(query, queryCodes);
        var querySum = 0;
        foreach (var code in queryCodes) querySum += code;

        // Large matrices are split into one slice a core, each keeping its own top, merged at the end.
        var slices = Count >= ParallelFromRows ? Math.Max(1, Math.Min(Environment.ProcessorCount, Count / (ParallelFromRows / 2))) : 1;
        var tops = new PriorityQueue<int, float>[slices];
        if (slices == 1)
            tops[0] = ScanRows(0, Count, queryValues, queryCodes, querySum, queryScale, top, allowed);
        else
            Parallel.For(0, slices, slice =>
            {
                var size = (Count + slices - 1) / slices;
                var start = slice * size;
                tops[slice] = ScanRows(start, Math.Min(Count, start + size), queryValues, queryCodes, querySum, queryScale, top, allowed);
            });

        var merged = new List<(int Row, float Score)>();
        foreach (var best in tops)
            while (best.TryDequeue(out var row, out var score)) merged.Add((row, score));
        // Ties go to the earlier chunk (the lower row id): the rows' order in memory depends on the removals since the
        // store opened, and results must not.
        merged.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : _chunkRowIds[a.Row].CompareTo(_chunkRowIds[b.Row]));

        var results = new (long, float)[Math.Min(top, merged.Count)];
        for (var i = 0; i < results.Length; i++)
            results[i] = (_chunkRowIds[merged[i].Row], merged[i].Score);
        return results;
    }

    /// <summary>Writes the rows as they lie in memory (see <see cref="SqliteDocumentStore.CheckpointPath"/>).</summary>
    public void WriteTo(CheckpointWriter writer)
    {
        writer.Write((int)Precision);
        writer.Write(Dimension);
        writer.Write(Count);
        _documents.WriteTo(writer);
        if (IsExact)
            writer.Write<float>(_values.AsSpan(0, Count * Dimension));
        else
        {
            writer.Write<byte>(_codes.AsSpan(0, Count * Dimension));
            writer.Write<float>(_scales.AsSpan(0, Count));
        }
        writer.Write<long>(_chunkRowIds.AsSpan(0, Count));
        writer.Write<int>(_documentKeys.AsSpan(0, Count));
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote straight into arrays of the exact size: one copy, no growth.</summary>
    public static VectorMatrix ReadFrom(CheckpointReader reader, VectorPrecision precision)
    {
        var stored = (VectorPrecision)reader.ReadInt32();
        if (stored != precision) throw new InvalidDataException($"its vectors are {stored}, the options ask for {precision}");
        var dimension = reader.ReadInt32();
        var count = reader.ReadCount(sizeof(long) + sizeof(int));
        if (dimension < 0 || (count > 0 && dimension == 0) || (long)count * dimension > Array.MaxLength)
            throw new InvalidDataException($"its matrix of {count} rows of {dimension} is impossible");

        var matrix = new VectorMatrix(precision) { Dimension = dimension, _documents = DocumentKeys.ReadFrom(reader) };
        if (matrix.IsExact)
            matrix._values = reader.ReadArray<float>(count * dimension);
        else
        {
            matrix._codes = reader.ReadArray<byte>(count * dimension);
            matrix._scales = reader.ReadArray<float>(count);
        }
        matrix._chunkRowIds = reader.ReadArray<long>(count);
        matrix._documentKeys = reader.ReadArray<int>(count);
        foreach (var key in matrix._documentKeys)
            if ((uint)key >= (uint)matrix._documents.Count) throw new InvalidDataException("a vector names an unknown document");
        matrix.Count = count;
        return matrix;
    }

    /// <summary>A min-heap of the best rows of [start, end): its root is the weakest and is the one to beat. O(n log k), no full sort.</summary>
    private PriorityQueue<int, float> ScanRows(int start, int end, float[] queryValues, sbyte[] queryCodes, int querySum, float queryScale, int top, bool[]? allowed)
    {
        var best = new PriorityQueue<int, float>(Math.Min(top, end - start) + 1);
        var weakest = float.NegativeInfinity;
        var dimension = Dimension;
        for (var row = start; row < end; row++)
        {
            if (allowed is not null && !allowed[_documentKeys[row]]) continue;
            var score = IsExact
                ? TensorPrimitives.Dot(_values.AsSpan(row * dimension, dimension), queryValues)
                : Int8Vectors.Dot(_codes.AsSpan(row * dimension, dimension), queryCodes, querySum) * _scales[row] * queryScale;
            if (best.Count < top)
            {
                best.Enqueue(row, score);
                if (best.Count == top) best.TryPeek(out _, out weakest);
            }
            else if (score > weakest)
            {
                best.DequeueEnqueue(row, score);
                best.TryPeek(out _, out weakest);
            }
        }
        return best;
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= Capacity) return;
        // Doubling keeps appends amortised O(1); one array caps an index at about 2^31 values (5.5M rows of 384).
        // A reservation made before loading is taken exactly instead.
        var capacity = _reserved >= rows ? _reserved : Math.Max(16, Capacity * 2);
        _reserved = 0;
        while (capacity < rows) capacity *= 2;
        if ((long)capacity * Dimension > Array.MaxLength)
            capacity = Array.MaxLength / Dimension;
        if (capacity < rows) throw new InvalidOperationException("The vector matrix of this index is full.");

        if (IsExact)
        {
            var values = new float[capacity * Dimension];
            Array.Copy(_values, values, Count * Dimension);
            _values = values;
        }
        else
        {
            var codes = new byte[capacity * Dimension];
            Array.Copy(_codes, codes, Count * Dimension);
            _codes = codes;
            Array.Resize(ref _scales, capacity);
        }
        Array.Resize(ref _chunkRowIds, capacity);
        Array.Resize(ref _documentKeys, capacity);
    }
}
