namespace DocQa.Storage.Sqlite;

/// <summary>
/// Document ids interned to small ints, so that in-memory rows stay compact and a filter on documents becomes a
/// bool[] lookup. Keys are never reused; not thread-safe (the store's lock guards it).
/// </summary>
internal sealed class DocumentKeys
{
    private readonly Dictionary<string, int> _keyById = new(StringComparer.Ordinal);

    public int Count => _keyById.Count;

    public bool TryGet(string documentId, out int key) => _keyById.TryGetValue(documentId, out key);

    public int KeyOf(string documentId)
    {
        if (_keyById.TryGetValue(documentId, out var key)) return key;
        key = _keyById.Count;
        _keyById.Add(documentId, key);
        return key;
    }

    /// <summary>A mask of the allowed documents by key; null when none of them has rows here.</summary>
    public bool[]? Mask(IReadOnlySet<string> allowedDocuments)
    {
        var allowed = new bool[_keyById.Count];
        var any = false;
        foreach (var id in allowedDocuments)
            if (_keyById.TryGetValue(id, out var key)) any = allowed[key] = true;
        return any ? allowed : null;
    }

    /// <summary>Writes the ids in key order: reading them back in that order gives each its key again.</summary>
    public void WriteTo(CheckpointWriter writer)
    {
        var ids = new string[_keyById.Count];
        foreach (var (id, key) in _keyById) ids[key] = id;
        writer.Write(ids.Length);
        foreach (var id in ids) writer.Write(id);
    }

    public static DocumentKeys ReadFrom(CheckpointReader reader)
    {
        var keys = new DocumentKeys();
        var count = reader.ReadCount(sizeof(int));
        for (var key = 0; key < count; key++)
            if (keys.KeyOf(reader.ReadString()) != key) throw new InvalidDataException("the checkpoint names a document twice");
        return keys;
    }
}
