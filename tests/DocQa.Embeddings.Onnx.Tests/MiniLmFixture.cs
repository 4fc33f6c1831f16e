using DocQa.Embeddings.Onnx;

namespace DocQa.Embeddings.Onnx.Tests;

/// <summary>One loaded model for all tests: loading it takes far longer than any single test.</summary>
public sealed class MiniLmFixture : IDisposable
{
    public OnnxEmbeddingGenerator Generator { get; } = new();

    public WordPieceTokenizer Tokenizer => Generator.Tokenizer;

    public async Task<float[]> EmbedAsync(string text) => (await Generator.GenerateAsync([text]))[0].Vector.ToArray();

    public void Dispose() => Generator.Dispose();
}

[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM model";
}

internal static class Vectors
{
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static double Norm(ReadOnlySpan<float> v)
    {
        double sum = 0;
        foreach (var x in v)
        {
            sum += x * x;
        }

        return Math.Sqrt(sum);
    }
}
