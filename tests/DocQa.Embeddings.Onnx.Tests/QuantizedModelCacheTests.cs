using System.Security.Cryptography;

namespace DocQa.Embeddings.Onnx.Tests;

/// <summary>all-MiniLM-L6-v2 and its int8 form, made once for all the tests (without a cache).</summary>
public sealed class QuantizedMiniLm
{
    public static EmbeddingModel Model => EmbeddingModel.MiniLm;

    public byte[] Source { get; } = ModelResources.ReadModel(Model);

    public byte[] Quantized { get; }

    public string SourceHash { get; }

    public QuantizedMiniLm()
    {
        Quantized = QuantizedModelCache.Load(Model, Source, cacheDirectory: null);
        SourceHash = Convert.ToHexStringLower(SHA256.HashData(Source));
    }
}

/// <summary>The int8 model is made once per published model and kept; a damaged copy is made again, never used.</summary>
public sealed class QuantizedModelCacheTests(QuantizedMiniLm miniLm) : IClassFixture<QuantizedMiniLm>, IDisposable
{
    private static readonly EmbeddingModel Model = QuantizedMiniLm.Model;
    private readonly string _directory = Directory.CreateTempSubdirectory("docqa-int8-").FullName;

    private byte[] Source => miniLm.Source;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string CachedFile => Assert.Single(Directory.GetFiles(_directory));

    [Fact]
    public void The_first_start_writes_the_model_under_its_source_hash_and_the_next_start_reads_it_back()
    {
        var made = QuantizedModelCache.Load(Model, Source, _directory);

        Assert.Equal(miniLm.Quantized, made); // made again from the same bytes: the very same bytes
        Assert.True(made.Length < Source.Length * 0.7, $"{made.Length} bytes from {Source.Length}");
        Assert.Equal(QuantizedModelCache.PathFor(Model, miniLm.SourceHash, _directory), CachedFile);
        Assert.Contains(miniLm.SourceHash[..16], Path.GetFileName(CachedFile), StringComparison.Ordinal);
        Assert.Equal(made, File.ReadAllBytes(CachedFile));

        var written = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(CachedFile, written);
        var reused = QuantizedModelCache.Load(Model, Source, _directory);

        Assert.Equal(made, reused);
        Assert.Equal(written, File.GetLastWriteTimeUtc(CachedFile)); // read, not written again
    }

    [Theory]
    [InlineData("flipped weight")]
    [InlineData("truncated")]
    [InlineData("not a model")]
    public void A_damaged_cache_file_is_made_again(string damage)
    {
        var made = miniLm.Quantized;
        var path = QuantizedModelCache.PathFor(Model, miniLm.SourceHash, _directory);
        var bytes = made.ToArray();
        switch (damage)
        {
            case "flipped weight":
                bytes[bytes.Length / 2] ^= 0x01; // inside the weights: still parses, but its graph hash no longer matches
                File.WriteAllBytes(path, bytes);
                break;
            case "truncated":
                File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
                break;
            default:
                File.WriteAllText(path, "garbage");
                break;
        }

        Assert.Null(QuantizedModelCache.TryRead(path, miniLm.SourceHash));
        var loaded = QuantizedModelCache.Load(Model, Source, _directory);

        Assert.Equal(made, loaded);
        Assert.Equal(made, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_cache_file_made_from_another_source_is_not_used()
    {
        var path = QuantizedModelCache.PathFor(Model, miniLm.SourceHash, _directory);
        File.WriteAllBytes(path, miniLm.Quantized);

        Assert.Equal(miniLm.Quantized, QuantizedModelCache.TryRead(path, miniLm.SourceHash));
        Assert.Null(QuantizedModelCache.TryRead(path, new string('0', 64)));
    }
}
