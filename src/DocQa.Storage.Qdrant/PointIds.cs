using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DocQa.Storage.Qdrant;

/// <summary>
/// Qdrant point ids are numbers or UUIDs; DocQa's ids are strings. Name-based UUIDs (RFC 9562 version 5, SHA-1)
/// turn the same names into the same point id on every replica, so writing twice overwrites instead of duplicating.
/// </summary>
public static class PointIds
{
    /// <summary>The namespace of DocQa's names: a fixed random UUID, never to change (it would change every point id).</summary>
    public static readonly Guid Namespace = new("0b1c7bd2-5b7e-5a3a-9a43-2c1e4e0f6d21");

    /// <summary>The point of a document's record in the documents collection.</summary>
    public static Guid Document(string index, string documentId) => NameBased(Join(index, documentId));

    /// <summary>The point of one chunk of one version of a document.</summary>
    public static Guid Chunk(string index, string documentId, long version, int ordinal) =>
        NameBased(Join(index, documentId, version.ToString(CultureInfo.InvariantCulture), ordinal.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A version 5 UUID of <paramref name="name"/> in <see cref="Namespace"/>.</summary>
    public static Guid NameBased(string name)
    {
        Span<byte> input = stackalloc byte[16];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        var bytes = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        input.CopyTo(bytes);
        Encoding.UTF8.GetBytes(name, bytes.AsSpan(16));

        var hash = SHA1.HashData(bytes);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    // Names are joined with a character that index names and document ids cannot hold, so no two tuples give one name.
    private static string Join(params string[] parts) => string.Join('\n', parts);
}
