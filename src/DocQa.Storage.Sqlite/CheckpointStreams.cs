using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DocQa.Storage.Sqlite;

/// <summary>
/// Writes the body of a search checkpoint: little-endian values and whole arrays in one call each, every byte also
/// fed to a checksum. Arrays are written as they lie in memory, so the format is defined for little-endian hosts only.
/// </summary>
internal sealed class CheckpointWriter(Stream stream)
{
    private readonly XxHash3 _checksum = new();

    public long Length { get; private set; }

    public ulong Checksum => _checksum.GetCurrentHashAsUInt64();

    public void Write(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        _checksum.Append(bytes);
        Length += bytes.Length;
    }

    public void Write<T>(ReadOnlySpan<T> values) where T : unmanaged => Write(MemoryMarshal.AsBytes(values));

    public void Write(int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Write(bytes);
    }

    public void Write(long value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        Write(bytes);
    }

    public void Write(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Write(bytes.Length);
        Write(bytes);
    }
}

/// <summary>
/// Reads what <see cref="CheckpointWriter"/> wrote, checksumming as it goes. Every count is checked against the bytes
/// left before anything is allocated for it, so a torn or damaged file fails with <see cref="InvalidDataException"/>
/// rather than asking for gigabytes.
/// </summary>
internal sealed class CheckpointReader(Stream stream, long length)
{
    private readonly XxHash3 _checksum = new();
    private long _left = length;

    public ulong Checksum => _checksum.GetCurrentHashAsUInt64();

    public bool AtEnd => _left == 0;

    public void Read(Span<byte> bytes)
    {
        if (bytes.Length > _left) throw new InvalidDataException("the checkpoint ends early");
        stream.ReadExactly(bytes);
        _checksum.Append(bytes);
        _left -= bytes.Length;
    }

    public void Read<T>(Span<T> values) where T : unmanaged => Read(MemoryMarshal.AsBytes(values));

    public int ReadInt32()
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        Read(bytes);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }

    public long ReadInt64()
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        Read(bytes);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    /// <summary>A count of items of <paramref name="itemBytes"/> bytes each that the rest of the file can hold.</summary>
    public int ReadCount(int itemBytes)
    {
        var count = ReadInt32();
        if (count < 0 || (long)count * itemBytes > _left) throw new InvalidDataException($"the checkpoint names {count} items where it has room for fewer");
        return count;
    }

    public T[] ReadArray<T>(int count) where T : unmanaged
    {
        if ((long)count * Unsafe.SizeOf<T>() > _left) throw new InvalidDataException("the checkpoint ends early");
        var values = new T[count];
        Read<T>(values);
        return values;
    }

    public string ReadString()
    {
        var length = ReadCount(1);
        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Read(bytes);
        return Encoding.UTF8.GetString(bytes);
    }
}
