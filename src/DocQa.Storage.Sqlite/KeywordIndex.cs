using System.Buffers;
using System.Runtime.InteropServices;
using DocQa.Core.Retrieval;

namespace DocQa.Storage.Sqlite;

/// <summary>
/// The chunks of one index as an in-memory inverted index, ranked by <see cref="Bm25"/>, the keyword scoring Qdrant's
/// sparse vectors share. A chunk's heading counts more than its text (see <see cref="Analyze"/>). Searching adds up each query term's contribution over its posting list, term at a time, into one
/// score per chunk: no per-row overhead as in SQL, so a query costs a few nanoseconds per posting.
/// Not thread-safe for writes: the store guards it with its reader/writer lock (searches may run side by side).
/// </summary>
internal sealed class KeywordIndex
{
    // Slots are numbered in order of arrival, so every posting list is sorted and stores small gaps.
    private long[] _chunkRowIds = [];
    private int[] _documentKeys = [];
    private ushort[] _lengths = [];
    private bool[] _removed = [];
    private int _slots;
    private int _removedSlots;

    // Terms are known by a 64-bit hash, not by their text: a million rare terms (numbers, names) would otherwise
    // cost a string each. Two terms sharing a hash would merge; at 64 bits that takes billions of terms.
    private Dictionary<ulong, int> _termNumbers = [];
    private Postings[] _postings = new Postings[256];
    private DocumentKeys _documents = new();

    /// <summary>Chunks in the index.</summary>
    public int Count => _slots - _removedSlots;

    /// <summary>True while removed chunks still count in document frequencies (until <see cref="Compact"/>).</summary>
    public bool HasRemoved => _removedSlots > 0;

    public int Terms => _termNumbers.Count;

    /// <summary>Bytes held by the postings and per-chunk arrays, for reports.</summary>
    public long MemoryBytes
    {
        get
        {
            long bytes = (long)_chunkRowIds.Length * (sizeof(long) + sizeof(int) + sizeof(ushort) + sizeof(bool));
            bytes += _termNumbers.Count * 24L + _postings.Length * 24L;
            for (var term = 0; term < _termNumbers.Count; term++)
                for (var segment = 0; segment < _postings[term].Segments; segment++)
                    bytes += 24 + _postings[term].Segment(segment).Data.Length;
            return bytes;
        }
    }

    /// <summary>A chunk's terms and their weighted frequencies, worked out before any lock is taken.</summary>
    public sealed record AnalyzedChunk(Dictionary<string, int> Frequencies, int Length);

    /// <summary>The chunk's terms as <see cref="Bm25.ChunkTerms"/> counts them; a heading term counts <paramref name="headingWeight"/> times.</summary>
    public static AnalyzedChunk Analyze(string text, string? heading, int headingWeight)
    {
        var (frequencies, length) = Bm25.ChunkTerms(text, heading, headingWeight);
        return new AnalyzedChunk(frequencies, length);
    }

    public void Reserve(int chunks)
    {
        if (chunks > _chunkRowIds.Length) Resize(chunks);
    }

    public void Add(string documentId, long chunkRowId, AnalyzedChunk chunk)
    {
        // The slot gap shares its integer with two bits of frequency: slots stay below 2^29.
        if (_slots >= 1 << 29) throw new InvalidOperationException("The keyword index of this index is full.");
        if (_slots == _chunkRowIds.Length) Resize(Math.Max(16, _slots * 2));
        var slot = _slots++;
        _chunkRowIds[slot] = chunkRowId;
        _documentKeys[slot] = _documents.KeyOf(documentId);
        _lengths[slot] = (ushort)Math.Min(chunk.Length, ushort.MaxValue);
        foreach (var (term, frequency) in chunk.Frequencies)
        {
            ref var number = ref CollectionsMarshal.GetValueRefOrAddDefault(_termNumbers, Hash(term), out var known);
            if (!known)
            {
                number = _termNumbers.Count - 1;
                if (number == _postings.Length) Array.Resize(ref _postings, _postings.Length * 2);
                _postings[number] = new Postings();
            }
            _postings[number].Append(slot, frequency);
        }
    }

    /// <summary>Gives back the room postings grew into while loading.</summary>
    public void TrimExcess()
    {
        for (var term = 0; term < _termNumbers.Count; term++) _postings[term].Trim();
        Array.Resize(ref _postings, Math.Max(256, _termNumbers.Count));
    }

    /// <summary>Removes the document's chunks; returns how many. Their postings are dropped when enough have piled up.</summary>
    public int RemoveDocument(string documentId)
    {
        if (!_documents.TryGet(documentId, out var key)) return 0;
        var removed = 0;
        for (var slot = 0; slot < _slots; slot++)
        {
            if (_removed[slot] || _documentKeys[slot] != key) continue;
            _removed[slot] = true;
            removed++;
        }
        _removedSlots += removed;
        // Removed slots still count in document frequencies until compacted; a quarter keeps scores close and work bounded.
        if (_removedSlots > 1024 && _removedSlots * 4 > _slots) Compact();
        return removed;
    }

    /// <summary>The best chunks for the query terms by BM25, best first; ties go to the earlier chunk.</summary>
    public IReadOnlyList<(long ChunkRowId, float Score)> Search(IReadOnlyList<string> queryTerms, int top, IReadOnlySet<string>? allowedDocuments = null)
    {
        if (top <= 0 || Count == 0 || queryTerms.Count == 0) return [];

        bool[]? allowed = null;
        if (allowedDocuments is not null && (allowed = _documents.Mask(allowedDocuments)) is null) return [];

        var scores = ArrayPool<float>.Shared.Rent(_slots);
        try
        {
            Array.Clear(scores, 0, _slots);
            var (first, last) = (int.MaxValue, -1);
            foreach (var term in queryTerms.Distinct(StringComparer.Ordinal))
            {
                if (!_termNumbers.TryGetValue(Hash(term), out var number)) continue;
                var postings = _postings[number];
                var frequency = Math.Min(postings.Count, _slots);
                var idf = Bm25.Idf(_slots, frequency);
                var slot = -1;
                for (var segment = 0; segment < postings.Segments; segment++)
                {
                    var (data, length) = postings.Segment(segment);
                    for (var position = 0; position < length;)
                    {
                        var tf = (float)Postings.Read(data, ref position, ref slot);
                        if (_removed[slot] || (allowed is not null && !allowed[_documentKeys[slot]])) continue;
                        scores[slot] += idf * Bm25.TermWeight(tf, _lengths[slot]);
                        if (slot < first) first = slot;
                        if (slot > last) last = slot;
                    }
                }
            }
            return Best(scores, first, last, top);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    private IReadOnlyList<(long ChunkRowId, float Score)> Best(float[] scores, int first, int last, int top)
    {
        // A min-heap of the best: its root is the one to beat. Priorities order lower scores, then later slots, first.
        var best = new PriorityQueue<int, (float Score, int Slot)>(top + 1, WeakerFirst.Instance);
        for (var slot = first; slot <= last; slot++)
        {
            var score = scores[slot];
            if (score <= 0) continue;
            if (best.Count < top) best.Enqueue(slot, (score, slot));
            else if (best.TryPeek(out _, out var weakest) && score > weakest.Score) best.DequeueEnqueue(slot, (score, slot));
        }
        var results = new (long, float)[best.Count];
        for (var i = results.Length - 1; i >= 0; i--)
        {
            best.TryDequeue(out var slot, out var key);
            results[i] = (_chunkRowIds[slot], key.Score);
        }
        return results;
    }

    private sealed class WeakerFirst : IComparer<(float Score, int Slot)>
    {
        public static readonly WeakerFirst Instance = new();

        public int Compare((float Score, int Slot) x, (float Score, int Slot) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Slot.CompareTo(x.Slot);
    }

    /// <summary>Writes the index as it lies in memory, removed slots included (see <see cref="SqliteDocumentStore.CheckpointPath"/>).</summary>
    public void WriteTo(CheckpointWriter writer)
    {
        writer.Write(_slots);
        writer.Write(_removedSlots);
        _documents.WriteTo(writer);
        writer.Write<long>(_chunkRowIds.AsSpan(0, _slots));
        writer.Write<int>(_documentKeys.AsSpan(0, _slots));
        writer.Write<ushort>(_lengths.AsSpan(0, _slots));
        writer.Write<bool>(_removed.AsSpan(0, _slots));
        // Term numbers are dense: the hashes in number order give each its number back.
        var hashes = new ulong[_termNumbers.Count];
        foreach (var (hash, number) in _termNumbers) hashes[number] = hash;
        writer.Write(hashes.Length);
        writer.Write<ulong>(hashes);
        for (var term = 0; term < hashes.Length; term++) _postings[term].WriteTo(writer);
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote: arrays of the exact size, postings in the segments they were in.</summary>
    public static KeywordIndex ReadFrom(CheckpointReader reader)
    {
        var slots = reader.ReadCount(sizeof(long) + sizeof(int) + sizeof(ushort) + sizeof(bool));
        var removedSlots = reader.ReadInt32();
        if (removedSlots < 0 || removedSlots > slots) throw new InvalidDataException($"it has {removedSlots} removed chunks of {slots}");
        var index = new KeywordIndex { _slots = slots, _removedSlots = removedSlots, _documents = DocumentKeys.ReadFrom(reader) };
        index._chunkRowIds = reader.ReadArray<long>(slots);
        index._documentKeys = reader.ReadArray<int>(slots);
        index._lengths = reader.ReadArray<ushort>(slots);
        index._removed = reader.ReadArray<bool>(slots);
        foreach (var key in index._documentKeys)
            if ((uint)key >= (uint)index._documents.Count) throw new InvalidDataException("a chunk names an unknown document");

        var hashes = reader.ReadArray<ulong>(reader.ReadCount(sizeof(ulong)));
        index._termNumbers = new Dictionary<ulong, int>(hashes.Length);
        for (var number = 0; number < hashes.Length; number++)
            if (!index._termNumbers.TryAdd(hashes[number], number)) throw new InvalidDataException("the checkpoint names a term twice");
        index._postings = new Postings[Math.Max(256, hashes.Length)];
        for (var term = 0; term < hashes.Length; term++) index._postings[term] = Postings.ReadFrom(reader, slots);
        return index;
    }

    /// <summary>Renumbers the live chunks and rewrites every posting list without the removed ones.</summary>
    public void Compact()
    {
        var newSlot = new int[_slots];
        var live = 0;
        for (var slot = 0; slot < _slots; slot++)
        {
            if (_removed[slot])
            {
                newSlot[slot] = -1;
                continue;
            }
            newSlot[slot] = live;
            _chunkRowIds[live] = _chunkRowIds[slot];
            _documentKeys[live] = _documentKeys[slot];
            _lengths[live] = _lengths[slot];
            live++;
        }
        // A term left without chunks keeps its (empty) number: numbers are dense and never reused.
        for (var term = 0; term < _termNumbers.Count; term++)
        {
            var old = _postings[term];
            var rewritten = new Postings();
            var slot = -1;
            for (var segment = 0; segment < old.Segments; segment++)
            {
                var (data, length) = old.Segment(segment);
                for (var position = 0; position < length;)
                {
                    var tf = Postings.Read(data, ref position, ref slot);
                    if (newSlot[slot] >= 0) rewritten.Append(newSlot[slot], tf);
                }
            }
            rewritten.Trim();
            _postings[term] = rewritten;
        }
        Array.Clear(_removed, 0, _slots);
        _slots = live;
        _removedSlots = 0;
    }

    private void Resize(int capacity)
    {
        Array.Resize(ref _chunkRowIds, capacity);
        Array.Resize(ref _documentKeys, capacity);
        Array.Resize(ref _lengths, capacity);
        Array.Resize(ref _removed, capacity);
    }

    /// <summary>FNV-1a, 64 bits, over the term's UTF-16 code units.</summary>
    private static ulong Hash(string term)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in term)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }

    /// <summary>
    /// One term's chunks, about one byte a posting: each is a variable-length integer holding the gap from the
    /// previous slot shifted left by two, with the weighted term frequency minus one in the two low bits; a frequency
    /// of four or more sets both bits and follows in a byte of its own (capped at 255).
    /// A short list is one array that grows; a long one is a run of fixed blocks, never copied as it grows and each
    /// below the large-object threshold, so building a big index leaves no large garbage behind.
    /// </summary>
    private struct Postings()
    {
        private const int BlockSize = 32 * 1024;

        public byte[] Data = [];
        public int Length;
        public int Count;
        private int _lastSlot = -1;
        private List<(byte[] Data, int Length)>? _fullBlocks;

        /// <summary>The pieces the postings are in, in order: the full blocks, then <see cref="Data"/>.</summary>
        public readonly int Segments => (_fullBlocks?.Count ?? 0) + 1;

        public readonly (byte[] Data, int Length) Segment(int index) =>
            _fullBlocks is not null && index < _fullBlocks.Count ? _fullBlocks[index] : (Data, Length);

        public void Append(int slot, int frequency)
        {
            if (Data.Length - Length < 6) // the most one posting takes
            {
                if (Length + 6 <= BlockSize)
                    Array.Resize(ref Data, Math.Min(BlockSize, Math.Max(Length + 6, Data.Length + Data.Length / 2)));
                else
                {
                    (_fullBlocks ??= []).Add((Data, Length));
                    Data = new byte[BlockSize];
                    Length = 0;
                }
            }
            frequency = Math.Clamp(frequency, 1, byte.MaxValue);
            var value = ((uint)(slot - _lastSlot) << 2) | (uint)Math.Min(frequency - 1, 3);
            while (value >= 0x80)
            {
                Data[Length++] = (byte)(value | 0x80);
                value >>= 7;
            }
            Data[Length++] = (byte)value;
            if (frequency >= 4) Data[Length++] = (byte)frequency;
            _lastSlot = slot;
            Count++;
        }

        /// <summary>Reads the posting at <paramref name="position"/>: moves <paramref name="slot"/> on to its slot and returns its frequency.</summary>
        public static int Read(byte[] data, ref int position, ref int slot)
        {
            uint value = 0;
            var shift = 0;
            byte b;
            do
            {
                b = data[position++];
                value |= (uint)(b & 0x7f) << shift;
                shift += 7;
            } while (b >= 0x80);
            slot += (int)(value >> 2);
            var frequency = (int)(value & 3) + 1;
            return frequency == 4 ? data[position++] : frequency;
        }

        public void Trim()
        {
            if (Data.Length != Length) Array.Resize(ref Data, Length);
        }

        public readonly void WriteTo(CheckpointWriter writer)
        {
            writer.Write(Count);
            writer.Write(_lastSlot);
            writer.Write(Segments);
            for (var segment = 0; segment < Segments; segment++)
            {
                var (data, length) = Segment(segment);
                writer.Write(length);
                writer.Write(data.AsSpan(0, length));
            }
        }

        public static Postings ReadFrom(CheckpointReader reader, int slots)
        {
            var postings = new Postings { Count = reader.ReadInt32(), _lastSlot = reader.ReadInt32() };
            if (postings.Count < 0 || postings._lastSlot < -1 || postings._lastSlot >= slots) throw new InvalidDataException("a posting list is out of range");
            var segments = reader.ReadCount(sizeof(int));
            if (segments == 0) throw new InvalidDataException("a posting list has no segment");
            for (var segment = 0; segment < segments; segment++)
            {
                var data = reader.ReadArray<byte>(reader.ReadCount(1));
                if (segment < segments - 1) (postings._fullBlocks ??= []).Add((data, data.Length));
                else (postings.Data, postings.Length) = (data, data.Length);
            }
            return postings;
        }
    }
}
