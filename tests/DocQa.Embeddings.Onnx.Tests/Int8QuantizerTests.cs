using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace DocQa.Embeddings.Onnx.Tests;

/// <summary>The int8 rewrite of a model's weight matrices, on a small graph made here and on the real models.</summary>
public sealed class Int8QuantizerTests
{
    private const int Rows = 3, Inner = 64, Columns = 48;

    [Fact]
    public void A_MatMul_by_weights_and_its_bias_Add_become_one_int8_node_whose_output_is_close_to_the_float_one()
    {
        var model = TinyModel();
        var quantized = ModelProto.Parser.ParseFrom(Int8Quantizer.Quantize(model.ToByteArray()));

        var ops = quantized.Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(["DynamicQuantizeMatMul", "MatMul"], ops); // the activation-by-activation MatMul stays float
        Assert.Contains(quantized.OpsetImport, o => o.Domain == "com.microsoft");
        var weights = quantized.Graph.Initializer.Single(i => i.Name == "W_int8");
        Assert.Equal((int)TensorProto.Types.DataType.Int8, weights.DataType);
        Assert.DoesNotContain(quantized.Graph.Initializer, i => i.Name == "W"); // the float weights are gone
        Assert.All(MemoryMarshal.Cast<byte, sbyte>(weights.RawData.Span).ToArray(), v => Assert.InRange(v, -Int8Quantizer.DefaultWeightLevels, Int8Quantizer.DefaultWeightLevels));

        var input = Enumerable.Range(0, Rows * Inner).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        var (expected, expectedSquare) = Run(model.ToByteArray(), input);
        var (actual, actualSquare) = Run(quantized.ToByteArray(), input);

        var scale = expected.Max(MathF.Abs);
        Assert.All(expected.Zip(actual), p => Assert.True(MathF.Abs(p.First - p.Second) < 0.06f * scale, $"{p.First} vs {p.Second}"));
        Assert.True(Vectors.Cosine(expected, actual) > 0.999, "the int8 output points the same way");
        Assert.Equal(expectedSquare, actualSquare); // untouched by quantization
    }

    [Fact]
    public void Columns_are_scaled_each_to_their_own_largest_weight()
    {
        float[] matrix = [0.9f, -0.005f, -2f, 0.02f]; // [2, 2]: column 0 spans ±2, column 1 spans ±0.02

        var (values, scales) = Int8Quantizer.QuantizeColumns(matrix, 2, 2, 63);

        Assert.Equal([2f / 63, 0.02f / 63], scales);
        Assert.Equal(new sbyte[] { 28, -16, -63, 63 }, values); // 28.35 and -15.75 rounded
    }

    [Theory]
    [InlineData("arctic-embed-xs")]
    [InlineData("all-minilm-l6-v2")]
    public async Task The_int8_model_embeds_texts_in_the_same_directions_as_the_float_one(string id)
    {
        var model = EmbeddingModel.Find(id)!;
        string[] texts =
        [
            "Net sales increased 8% year over year, driven by higher iPhone and Services revenue.",
            "The Company repurchased $23.0 billion of its common stock during the quarter.",
            "Backups of the production database are taken every night and kept for thirty days.",
            "Total operating expenses were $13,415 million for the three months ended July 1, 2023.",
            "How long are database backups retained?",
        ];
        using var float32 = new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { Model = model, QueryThreads = 0 });
        using var int8 = new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { Model = model, QueryThreads = 0, Precision = EmbeddingPrecision.Int8 });

        var expected = await float32.GenerateAsync(texts);
        var actual = await int8.GenerateAsync(texts);

        var cosines = expected.Zip(actual, (e, a) => Vectors.Cosine(e.Vector.Span, a.Vector.Span)).ToList();
        Assert.True(cosines.Average() >= 0.99 && cosines.Min() >= 0.98, string.Join(", ", cosines));
        Assert.Equal(model.Name, actual[0].ModelId); // interchangeable with float32's vectors: the same model
    }

    /// <summary>Y = X·W + b (W and b initializers) and S = X·Xᵀ-like product of two activations, X: [3, 64].</summary>
    internal static ModelProto TinyModel()
    {
        var weights = Enumerable.Range(0, Inner * Columns).Select(i => MathF.Cos(i * 0.11f) * (1 + i % Columns) / Columns).ToArray();
        var bias = Enumerable.Range(0, Columns).Select(i => i * 0.01f - 0.2f).ToArray();
        var graph = new GraphProto
        {
            Name = "tiny",
            Input = { Value("X", Rows, Inner), Value("T", Inner, Rows) },
            Output = { Value("Y", Rows, Columns), Value("S", Rows, Rows) },
            Initializer = { Tensor("W", weights, Inner, Columns), Tensor("b", bias, Columns) },
            Node =
            {
                new NodeProto { Name = "mm", OpType = "MatMul", Input = { "X", "W" }, Output = { "XW" } },
                new NodeProto { Name = "add", OpType = "Add", Input = { "b", "XW" }, Output = { "Y" } },
                new NodeProto { Name = "square", OpType = "MatMul", Input = { "X", "T" }, Output = { "S" } },
            },
        };
        return new ModelProto { IrVersion = 7, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 13 } }, Graph = graph };
    }

    private static (float[] Y, float[] S) Run(byte[] model, float[] input)
    {
        using var session = new InferenceSession(model);
        var transposed = new float[Inner * Rows];
        for (var r = 0; r < Rows; r++)
            for (var k = 0; k < Inner; k++) transposed[k * Rows + r] = input[r * Inner + k];
        using var x = OrtValue.CreateTensorValueFromMemory(input, [Rows, Inner]);
        using var t = OrtValue.CreateTensorValueFromMemory(transposed, [Inner, Rows]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["X", "T"], [x, t], ["Y", "S"]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    private static ValueInfoProto Value(string name, params long[] dims) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)TensorProto.Types.DataType.Float,
                Shape = new TensorShapeProto { Dim = { dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }) } },
            },
        },
    };

    private static TensorProto Tensor(string name, float[] values, params long[] dims) => new()
    {
        Name = name,
        DataType = (int)TensorProto.Types.DataType.Float,
        Dims = { dims },
        RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
    };
}
