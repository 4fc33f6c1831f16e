using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;

namespace DocQa.Embeddings.Onnx;

/// <summary>
/// The int8 form of an embedding model, made once from the published model and kept in a cache directory under a name
/// that carries the model, the quantizer's format version and the published model's SHA-256. The file records that hash
/// and its graph's own; a file that does not parse or whose hashes do not match is made again, never trusted.
/// </summary>
internal static class QuantizedModelCache
{
    internal const string SourceHashKey = "docqa.source_sha256";
    internal const string GraphHashKey = "docqa.graph_sha256";
    internal const string FormatKey = "docqa.quantizer_format";

    /// <summary>The int8 model's bytes, from <paramref name="cacheDirectory"/> when it holds a sound copy; made (and cached) otherwise.</summary>
    public static byte[] Load(EmbeddingModel model, byte[] source, string? cacheDirectory)
    {
        var sourceHash = Convert.ToHexStringLower(SHA256.HashData(source));
        if (cacheDirectory is null) return Quantize(source, sourceHash);

        var path = PathFor(model, sourceHash, cacheDirectory);
        if (TryRead(path, sourceHash) is { } cached) return cached;

        var bytes = Quantize(source, sourceHash);
        TryWrite(path, bytes);
        return bytes;
    }

    internal static string PathFor(EmbeddingModel model, string sourceHash, string cacheDirectory) =>
        Path.Combine(cacheDirectory, $"{model.Id}.int8-v{Int8Quantizer.FormatVersion}.{sourceHash[..16]}.onnx");

    private static byte[] Quantize(byte[] source, string sourceHash)
    {
        var proto = ModelProto.Parser.ParseFrom(source);
        Int8Quantizer.Quantize(proto);
        proto.MetadataProps.Add(new StringStringEntryProto { Key = SourceHashKey, Value = sourceHash });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = FormatKey, Value = Int8Quantizer.FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = GraphHashKey, Value = GraphHash(proto.Graph) });
        return proto.ToByteArray();
    }

    /// <summary>The cached bytes, or null when there are none or they are not what this version would make from this source.</summary>
    internal static byte[]? TryRead(string path, string sourceHash)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        try
        {
            var proto = ModelProto.Parser.ParseFrom(bytes);
            var recorded = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
            var sound = recorded.GetValueOrDefault(SourceHashKey) == sourceHash
                && recorded.GetValueOrDefault(FormatKey) == Int8Quantizer.FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)
                && recorded.GetValueOrDefault(GraphHashKey) == GraphHash(proto.Graph);
            return sound ? bytes : null;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>
    /// Written to a temporary file and renamed into place, so that a reader never sees half a file; a directory that
    /// cannot be written only costs quantizing again at the next start.
    /// </summary>
    private static void TryWrite(string path, byte[] bytes)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (Exception d) when (d is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>The SHA-256 of the graph's serialized form, streamed into the hash rather than copied out.</summary>
    private static string GraphHash(GraphProto graph)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var stream = new HashingStream(hash))
            graph.WriteTo(stream);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed class HashingStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => hash.AppendData(buffer);
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
