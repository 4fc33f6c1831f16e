using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DocQa.Storage.Sqlite;

/// <summary>Vectors as BLOBs of float32 little-endian, whatever the byte order of the machine.</summary>
internal static class VectorBlob
{
    public static byte[] ToBytes(ReadOnlySpan<float> vector)
    {
        if (BitConverter.IsLittleEndian) return MemoryMarshal.AsBytes(vector).ToArray();
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        return bytes;
    }

    public static float[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
            throw new InvalidDataException($"A stored vector has {bytes.Length} bytes, not a whole number of float32 values.");
        if (BitConverter.IsLittleEndian) return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        var vector = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
            vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        return vector;
    }
}
