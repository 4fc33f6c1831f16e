namespace DocQa.Embeddings.Onnx;

/// <summary>The numbers an embedding model's weight matrices are multiplied in.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name",
    Justification = "The members are named for the number formats they stand for, as the setting spells them.")]
public enum EmbeddingPrecision
{
    /// <summary>The model as published.</summary>
    Float32,

    /// <summary>
    /// The weight matrices quantized to int8 (one scale per output column, activations quantized at each run), made
    /// from the published model at first start and cached; see <see cref="Int8Quantizer"/>.
    /// </summary>
    Int8,
}
