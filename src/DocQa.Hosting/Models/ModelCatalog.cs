namespace DocQa.Hosting.Models;

/// <summary>A GGUF model DocQa knows how to fetch: where it lives, what it is called on disk and what its bytes must hash to.</summary>
/// <param name="Name">Short name used on the command line, e.g. "qwen2.5-1.5b".</param>
/// <param name="Title">Human-readable model name and quantisation.</param>
/// <param name="Url">Download URL.</param>
/// <param name="FileName">File name the model is saved under.</param>
/// <param name="SizeBytes">Exact size in bytes; null when unknown.</param>
/// <param name="Sha256">SHA-256 of the file as lowercase hex; null when unknown (the download is then not verified).</param>
/// <param name="License">License the weights are published under.</param>
public sealed record CatalogModel(string Name, string Title, Uri Url, string FileName, long? SizeBytes, string? Sha256, string License)
{
    public bool Recommended => Name == ModelCatalog.RecommendedName;
}

/// <summary>Known-good instruct models in GGUF form, small enough to answer questions on a CPU.</summary>
public static class ModelCatalog
{
    /// <summary>
    /// The default: follows grounded-answer instructions well for its size, fits in about 2 GB of memory,
    /// and its Apache-2.0 weights can be downloaded without accepting a gated license.
    /// </summary>
    public const string RecommendedName = "qwen2.5-1.5b";

    // Sizes and hashes are the Hugging Face LFS values of each file. The URLs follow the repositories' main branch,
    // so a republished file shows up as a SHA-256 mismatch instead of being loaded unverified.
    public static IReadOnlyList<CatalogModel> Models { get; } =
    [
        new("qwen2.5-0.5b", "Qwen2.5 0.5B Instruct Q4_K_M",
            new Uri("https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf"),
            "qwen2.5-0.5b-instruct-q4_k_m.gguf", 491_400_032,
            "74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db", "Apache-2.0"),
        new("qwen2.5-1.5b", "Qwen2.5 1.5B Instruct Q4_K_M",
            new Uri("https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf"),
            "qwen2.5-1.5b-instruct-q4_k_m.gguf", 1_117_320_736,
            "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e", "Apache-2.0"),
        new("llama3.2-1b", "Llama 3.2 1B Instruct Q4_K_M",
            new Uri("https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf"),
            "Llama-3.2-1B-Instruct-Q4_K_M.gguf", 807_694_464,
            "6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83", "Llama 3.2 Community License"),
        new("llama3.2-3b", "Llama 3.2 3B Instruct Q4_K_M",
            new Uri("https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf"),
            "Llama-3.2-3B-Instruct-Q4_K_M.gguf", 2_019_377_696,
            "6c1a2b41161032677be168d354123594c0e6e67d2b9227c84f296ad037c728ff", "Llama 3.2 Community License"),
    ];

    public static CatalogModel Recommended => Find(RecommendedName)!;

    /// <summary>The entry with this short name (case-insensitive), or null.</summary>
    public static CatalogModel? Find(string name) =>
        Models.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The entry downloaded from exactly this URL, or null; lets a pasted catalogue URL keep its hash.</summary>
    public static CatalogModel? FindByUrl(Uri url) => Models.FirstOrDefault(m => m.Url == url);
}
