using System.Numerics.Tensors;
using DocQa.Core.Storage;

namespace DocQa.Benchmarks;

/// <summary>
/// The exact top chunks of each query by a float32 dot product with every vector, the ground truth the recall of the
/// store's int8 search is measured against. Ties go to the earlier chunk, as in the store.
/// </summary>
public sealed class ExactSearch
{
    private readonly IReadOnlyList<ReadOnlyMemory<float>> _queries;
    private readonly int _top;
    private readonly PriorityQueue<string, (float Score, long Row)>[] _best;
    private long _rows;

    public ExactSearch(IReadOnlyList<ReadOnlyMemory<float>> queries, int top)
    {
        _queries = queries;
        _top = top;
        _best = queries.Select(_ => new PriorityQueue<string, (float Score, long Row)>(top + 1, WeakerFirst.Instance)).ToArray();
    }

    /// <summary>Scores the next chunks, in the order they were stored.</summary>
    public void Add(IReadOnlyList<StoredChunk> chunks)
    {
        var first = _rows;
        Parallel.For(0, _queries.Count, q =>
        {
            var heap = _best[q];
            var query = _queries[q].Span;
            for (var i = 0; i < chunks.Count; i++)
            {
                var key = (TensorPrimitives.Dot(chunks[i].Vector.Span, query), first + i);
                if (heap.Count < _top) heap.Enqueue(chunks[i].ChunkId, key);
                else if (heap.TryPeek(out _, out var weakest) && WeakerFirst.Instance.Compare(key, weakest) > 0) heap.DequeueEnqueue(chunks[i].ChunkId, key);
            }
        });
        _rows += chunks.Count;
    }

    /// <summary>The chunk ids of each query's top, best first.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Results() => _best.Select(heap =>
    {
        var ranked = heap.UnorderedItems.OrderBy(item => item.Priority, WeakerFirst.Instance).Select(item => item.Element).Reverse();
        return (IReadOnlyList<string>)ranked.ToList();
    }).ToList();

    /// <summary>Orders (score, row) so that the weaker comes first: the lower score, or the later row on a tie.</summary>
    private sealed class WeakerFirst : IComparer<(float Score, long Row)>
    {
        public static readonly WeakerFirst Instance = new();

        public int Compare((float Score, long Row) x, (float Score, long Row) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Row.CompareTo(x.Row);
    }
}
