namespace DocQa.Core.Storage;

/// <summary>Keeps the original bytes of uploaded documents, one file per document version (its SHA-256).</summary>
public interface IFileStore
{
    Task SaveAsync(string index, string id, string sha256, Stream content, CancellationToken cancellationToken = default);

    /// <summary>The stored file, or null when there is none.</summary>
    Stream? Open(string index, string id, string sha256);

    /// <summary>Removes every version of the document except <paramref name="keepSha256"/> (all of them when null).</summary>
    void Delete(string index, string id, string? keepSha256 = null);

    void DeleteIndex(string index);
}
