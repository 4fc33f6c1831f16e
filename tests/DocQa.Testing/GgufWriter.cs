using System.Text;

namespace DocQa.Testing;

/// <summary>
/// Writes a GGUF (version 3) file: a header, metadata key/values, tensor descriptions, then the F32 tensor
/// data, each tensor starting on a 32-byte boundary as llama.cpp expects by default.
/// </summary>
public sealed class GgufWriter
{
    private const int Alignment = 32;
    private const uint F32 = 0;

    private enum ValueType : uint { UInt32 = 4, Int32 = 5, Float32 = 6, String = 8, Array = 9 }

    private readonly List<(string Key, Action<BinaryWriter> Value)> _metadata = [];
    private readonly List<(string Name, long[] Shape, float[] Data)> _tensors = [];

    public GgufWriter Set(string key, string value) => Add(key, w =>
    {
        w.Write((uint)ValueType.String);
        WriteString(w, value);
    });

    public GgufWriter Set(string key, uint value) => Add(key, w =>
    {
        w.Write((uint)ValueType.UInt32);
        w.Write(value);
    });

    public GgufWriter Set(string key, float value) => Add(key, w =>
    {
        w.Write((uint)ValueType.Float32);
        w.Write(value);
    });

    public GgufWriter Set(string key, IReadOnlyList<string> values) => AddArray(key, ValueType.String, values.Count, w =>
    {
        foreach (var value in values)
        {
            WriteString(w, value);
        }
    });

    public GgufWriter Set(string key, IReadOnlyList<float> values) => AddArray(key, ValueType.Float32, values.Count, w =>
    {
        foreach (var value in values)
        {
            w.Write(value);
        }
    });

    public GgufWriter Set(string key, IReadOnlyList<int> values) => AddArray(key, ValueType.Int32, values.Count, w =>
    {
        foreach (var value in values)
        {
            w.Write(value);
        }
    });

    /// <summary>Adds an F32 tensor; the shape lists the innermost (contiguous) dimension first, as ggml does.</summary>
    public GgufWriter AddTensor(string name, float[] data, params long[] shape)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != data.Length)
        {
            throw new ArgumentException($"Tensor {name} has {data.Length} values, not the {string.Join('x', shape)} of its shape.");
        }

        _tensors.Add((name, shape, data));
        return this;
    }

    public void Save(string path)
    {
        using var w = new BinaryWriter(File.Create(path), Encoding.UTF8);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            value(w);
        }

        // Offsets count from the start of the data section.
        long offset = 0;
        foreach (var (name, shape, data) in _tensors)
        {
            WriteString(w, name);
            w.Write((uint)shape.Length);
            foreach (var dimension in shape)
            {
                w.Write((ulong)dimension);
            }

            w.Write(F32);
            w.Write((ulong)offset);
            offset = Align(offset + data.Length * sizeof(float));
        }

        Pad(w);
        foreach (var (_, _, data) in _tensors)
        {
            foreach (var value in data)
            {
                w.Write(value);
            }

            Pad(w);
        }
    }

    private GgufWriter Add(string key, Action<BinaryWriter> value)
    {
        _metadata.Add((key, value));
        return this;
    }

    private GgufWriter AddArray(string key, ValueType elementType, int count, Action<BinaryWriter> elements) => Add(key, w =>
    {
        w.Write((uint)ValueType.Array);
        w.Write((uint)elementType);
        w.Write((ulong)count);
        elements(w);
    });

    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        var position = w.BaseStream.Position;
        for (var i = position; i < Align(position); i++)
        {
            w.Write((byte)0);
        }
    }
}
