using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace DocQa.Embeddings.Onnx;

/// <summary>
/// Rewrites an ONNX model so that its weight matrices are int8: each MatMul by a 2-D float initializer [K, N] becomes
/// ONNX Runtime's <c>DynamicQuantizeMatMul</c> (com.microsoft) with int8 weights and one scale per output column,
/// the activations quantized to uint8 on the fly at each run. A following Add of a bias initializer is folded into it.
/// The attention's MatMuls (of two activations) and the embedding tables stay float. Deterministic: the same model
/// bytes always give the same output bytes.
/// </summary>
internal static class Int8Quantizer
{
    /// <summary>Bumped whenever the output for the same model would change, so that older cached files are not used.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// Weights span ±63 (7 bits), not ±127. On AVX2 without VNNI, ONNX Runtime multiplies uint8 activations by int8
    /// weights with vpmaddubsw, whose pairwise sums saturate at 16 bits (255·127·2 overflows, 255·63·2 does not).
    /// There, full-range weights gave vectors further from the float ones (mean cosine over 400 chunks of 10-Q text:
    /// arctic 0.9971 against 0.9982, MiniLM 0.9921 against 0.9929); the kernel is the same either way, so the narrower
    /// range costs no speed.
    /// </summary>
    public const int DefaultWeightLevels = 63;

    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>The quantized form of the model <paramref name="model"/> holds.</summary>
    public static byte[] Quantize(ReadOnlySpan<byte> model, int weightLevels = DefaultWeightLevels)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        Quantize(proto, weightLevels);
        return proto.ToByteArray();
    }

    /// <summary>Rewrites <paramref name="model"/> in place; returns how many MatMuls became int8.</summary>
    public static int Quantize(ModelProto model, int weightLevels = DefaultWeightLevels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weightLevels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weightLevels, 127);
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        var consumers = graph.Node
            .SelectMany(n => n.Input.Where(i => i.Length > 0).Select(i => (Input: i, Node: n)))
            .ToLookup(x => x.Input, x => x.Node);

        var removed = new HashSet<NodeProto>();
        var done = new HashSet<string>();
        var quantized = 0;
        foreach (var node in graph.Node)
        {
            if (node.OpType != "MatMul" || node.Domain.Length > 0 || node.Input.Count != 2
                || !initializers.TryGetValue(node.Input[1], out var weights) || !IsFloatMatrix(weights))
                continue;

            var name = weights.Name;
            if (done.Add(name)) AddQuantized(graph, weights, weightLevels);

            var inputs = new List<string> { node.Input[0], name + "_int8", name + "_scale" };
            var output = node.Output[0];
            if (BiasAdd(node, consumers, initializers, graphOutputs, weights.Dims[1]) is var (add, bias))
            {
                inputs.AddRange(["", bias]); // no zero point: the weights are symmetric
                output = add.Output[0];
                removed.Add(add);
            }

            node.OpType = "DynamicQuantizeMatMul";
            node.Domain = MicrosoftDomain;
            node.Input.Clear();
            node.Input.Add(inputs);
            node.Output.Clear();
            node.Output.Add(output);
            quantized++;
        }

        foreach (var add in removed) graph.Node.Remove(add);
        RemoveUnusedInitializers(graph);
        if (quantized > 0 && model.OpsetImport.All(o => o.Domain != MicrosoftDomain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        return quantized;
    }

    private static void AddQuantized(GraphProto graph, TensorProto weights, int weightLevels)
    {
        var (values, scales) = QuantizeColumns(FloatData(weights), (int)weights.Dims[0], (int)weights.Dims[1], weightLevels);
        var name = weights.Name;
        graph.Initializer.Add(new TensorProto
        {
            Name = name + "_int8", DataType = (int)TensorProto.Types.DataType.Int8, Dims = { weights.Dims },
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
        });
        graph.Initializer.Add(new TensorProto
        {
            Name = name + "_scale", DataType = (int)TensorProto.Types.DataType.Float, Dims = { weights.Dims[1] },
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(scales.AsSpan())),
        });
    }

    /// <summary>
    /// Symmetric per-column quantization of a row-major [rows, columns] matrix: each column's largest magnitude maps
    /// to ±<paramref name="levels"/>, rounding half to even.
    /// </summary>
    internal static (sbyte[] Values, float[] Scales) QuantizeColumns(ReadOnlySpan<float> matrix, int rows, int columns, int levels)
    {
        var scales = new float[columns];
        for (var r = 0; r < rows; r++)
        {
            var row = matrix.Slice(r * columns, columns);
            for (var c = 0; c < columns; c++) scales[c] = MathF.Max(scales[c], MathF.Abs(row[c]));
        }
        for (var c = 0; c < columns; c++) scales[c] = scales[c] > 0 ? scales[c] / levels : 1f;

        var values = new sbyte[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var q = MathF.Round(matrix[r * columns + c] / scales[c], MidpointRounding.ToEven);
                values[r * columns + c] = (sbyte)Math.Clamp(q, -levels, levels);
            }
        }
        return (values, scales);
    }

    /// <summary>The Add that is the MatMul's only consumer and adds a bias initializer of one value per column.</summary>
    private static (NodeProto Add, string Bias)? BiasAdd(
        NodeProto matMul, ILookup<string, NodeProto> consumers, Dictionary<string, TensorProto> initializers,
        HashSet<string> graphOutputs, long columns)
    {
        var output = matMul.Output[0];
        if (graphOutputs.Contains(output) || consumers[output].ToList() is not [{ OpType: "Add", Domain: "" } add]
            || add.Input.Count != 2)
            return null;
        var bias = add.Input[0] == output ? add.Input[1] : add.Input[0];
        return initializers.TryGetValue(bias, out var tensor) && tensor.DataType == (int)TensorProto.Types.DataType.Float
               && tensor.Dims.Count == 1 && tensor.Dims[0] == columns
            ? (add, bias)
            : null;
    }

    private static bool IsFloatMatrix(TensorProto tensor) =>
        tensor.DataType == (int)TensorProto.Types.DataType.Float && tensor.Dims.Count == 2 && tensor.Dims[0] > 0 && tensor.Dims[1] > 0
        && tensor.DataLocation == TensorProto.Types.DataLocation.Default;

    /// <summary>ONNX stores raw tensor data little-endian, as .NET's platforms hold floats.</summary>
    private static ReadOnlySpan<float> FloatData(TensorProto tensor) =>
        tensor.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span)
            : tensor.FloatData.ToArray();

    private static void RemoveUnusedInitializers(GraphProto graph)
    {
        var used = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet();
        var unused = graph.Initializer.Where(i => !used.Contains(i.Name)).ToList();
        foreach (var initializer in unused) graph.Initializer.Remove(initializer);

        // Models of IR version 3 and older also list each initializer among the graph's inputs.
        var removed = unused.Select(i => i.Name).ToHashSet();
        foreach (var input in graph.Input.Where(i => removed.Contains(i.Name)).ToList()) graph.Input.Remove(input);
    }
}
