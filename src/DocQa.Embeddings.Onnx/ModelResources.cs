using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace DocQa.Embeddings.Onnx;

/// <summary>The model and vocabulary that an embedding model's package carries inside its assembly.</summary>
internal static class ModelResources
{
    public static Stream OpenVocab(EmbeddingModel model) => Open(model, model.VocabResource);

    /// <summary>
    /// The model's bytes, read from the assembly's file rather than through the loaded assembly: the runtime maps an
    /// assembly into memory, and reading the 90 MB resource through that mapping would keep all of its pages in the
    /// process's working set for as long as it runs, long after ONNX Runtime has made its own copy.
    /// </summary>
    public static byte[] ReadModel(EmbeddingModel model) =>
        ReadFromFile(model.Assembly.Location, model.ModelResource) ?? ReadFromLoadedAssembly(model, model.ModelResource);

    internal static byte[] ReadFromLoadedAssembly(EmbeddingModel model, string name)
    {
        using var stream = Open(model, name);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// A resource embedded in the assembly file at <paramref name="path"/>; null when there is no such file (an app
    /// published as a single file) or it holds no such resource. In the file, the CLI header's resources directory
    /// holds each resource as a 4-byte little-endian length followed by the bytes, at the offset its metadata gives.
    /// </summary>
    internal static byte[]? ReadFromFile(string path, string name)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path)) return null;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var image = new PEReader(file, PEStreamOptions.LeaveOpen | PEStreamOptions.PrefetchMetadata);
        if (!image.HasMetadata || image.PEHeaders.CorHeader is not { } header
            || !image.PEHeaders.TryGetDirectoryOffset(header.ResourcesDirectory, out var directoryOffset))
            return null;

        var metadata = image.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, name)) continue;

            file.Position = directoryOffset + resource.Offset;
            Span<byte> prefix = stackalloc byte[sizeof(int)];
            file.ReadExactly(prefix);
            var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
            if (length < 0 || file.Position + length > file.Length) return null;
            var bytes = new byte[length];
            file.ReadExactly(bytes);
            return bytes;
        }
        return null;
    }

    private static Stream Open(EmbeddingModel model, string name) =>
        model.Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing from the {model.Assembly.GetName().Name} assembly.");
}
