using System.Globalization;
using System.Text;

namespace DocQa.Testing;

/// <summary>
/// A llama-architecture model small enough for a test to write (about 100 KB), with a SentencePiece-style
/// vocabulary: control tokens, byte-fallback tokens &lt;0x00&gt;..&lt;0xFF&gt; and ▁-marked pieces.
/// Its attention and feed-forward weights are small random numbers; its embeddings and output matrix are set
/// so that greedy decoding follows a given chain of tokens whatever the prompt: the token after a chain token
/// is the next one in the chain, and the token after any other is the first. Generated text is thus known
/// in advance while every token still runs through llama.cpp's whole forward pass.
/// </summary>
public static class TinyModel
{
    public const int ContextLength = 256;
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private const int Embedding = 32;
    private const int Layers = 2;
    private const int Heads = 4;
    private const int KvHeads = 2;
    private const int FeedForward = 64;

    // SentencePiece token types, as llama.cpp reads them.
    private const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;

    private static readonly string[] Words =
        ["▁the", "▁cat", "▁sat", "▁caf", "▁Hello", "▁world", "▁ok", "▁more", "<|", "im_end", "|>"];

    public static IReadOnlyList<(string Piece, int Type)> Vocabulary { get; } = BuildVocabulary();

    /// <summary>The text greedy decoding produces for the first <paramref name="tokens"/> tokens of a chain.</summary>
    public static string TextOf(IReadOnlyList<string> chain, int tokens, bool loops = true)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < tokens && (loops || i < chain.Count); i++)
        {
            var piece = chain[i % chain.Count];
            if (piece.StartsWith("<0x", StringComparison.Ordinal))
            {
                bytes.Add(byte.Parse(piece.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(piece.Replace('▁', ' ')));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <param name="contextLength">The window the model claims to be trained with; a long one fits real grounded prompts.</param>
    public static void Write(string path, IReadOnlyList<string> chain, bool loops, string? chatTemplate = null, string? name = null,
        int contextLength = ContextLength)
    {
        var ids = Vocabulary.Select((t, i) => (t.Piece, i)).ToDictionary(t => t.Piece, t => t.i);
        var chainIds = chain.Select(p => ids[p]).ToArray();
        if (chainIds.Length >= Embedding)
        {
            throw new ArgumentException("The chain needs one embedding dimension per token.", nameof(chain));
        }

        var random = new Random(1234);
        var vocabSize = Vocabulary.Count;

        // Every token has a constant first component; chain token i also has a large component i + 1.
        var embeddings = Noise(random, vocabSize * Embedding, 0.05f);
        for (var t = 0; t < vocabSize; t++)
        {
            embeddings[t * Embedding] = 1;
        }

        for (var i = 0; i < chainIds.Length; i++)
        {
            embeddings[chainIds[i] * Embedding + 1 + i] = 4;
        }

        // The first component points at the chain's first token; component i + 1 at the successor of chain token i.
        var output = Noise(random, vocabSize * Embedding, 0.01f);
        output[chainIds[0] * Embedding] += 1;
        for (var i = 0; i < chainIds.Length; i++)
        {
            var next = i + 1 < chainIds.Length ? i + 1 : loops ? 0 : -1;
            if (next >= 0)
            {
                output[chainIds[next] * Embedding + 1 + i] += 2;
            }
        }

        var gguf = new GgufWriter()
            .Set("general.architecture", "llama")
            .Set("llama.context_length", (uint)contextLength)
            .Set("llama.embedding_length", (uint)Embedding)
            .Set("llama.block_count", (uint)Layers)
            .Set("llama.feed_forward_length", (uint)FeedForward)
            .Set("llama.attention.head_count", (uint)Heads)
            .Set("llama.attention.head_count_kv", (uint)KvHeads)
            .Set("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .Set("llama.rope.dimension_count", (uint)(Embedding / Heads))
            .Set("tokenizer.ggml.model", "llama")
            .Set("tokenizer.ggml.tokens", Vocabulary.Select(t => t.Piece).ToArray())
            .Set("tokenizer.ggml.scores", Vocabulary.Select((_, i) => -(float)i).ToArray())
            .Set("tokenizer.ggml.token_type", Vocabulary.Select(t => t.Type).ToArray())
            .Set("tokenizer.ggml.unknown_token_id", 0u)
            .Set("tokenizer.ggml.bos_token_id", 1u)
            .Set("tokenizer.ggml.eos_token_id", 2u);
        if (name is not null)
        {
            gguf.Set("general.name", name);
        }

        if (chatTemplate is not null)
        {
            gguf.Set("tokenizer.chat_template", chatTemplate);
        }

        const int kvWidth = Embedding / Heads * KvHeads;
        gguf.AddTensor("token_embd.weight", embeddings, Embedding, vocabSize);
        for (var layer = 0; layer < Layers; layer++)
        {
            var prefix = $"blk.{layer}.";
            gguf.AddTensor(prefix + "attn_norm.weight", Ones(Embedding), Embedding)
                .AddTensor(prefix + "attn_q.weight", Noise(random, Embedding * Embedding, 0.02f), Embedding, Embedding)
                .AddTensor(prefix + "attn_k.weight", Noise(random, Embedding * kvWidth, 0.02f), Embedding, kvWidth)
                .AddTensor(prefix + "attn_v.weight", Noise(random, Embedding * kvWidth, 0.02f), Embedding, kvWidth)
                .AddTensor(prefix + "attn_output.weight", Noise(random, Embedding * Embedding, 0.02f), Embedding, Embedding)
                .AddTensor(prefix + "ffn_norm.weight", Ones(Embedding), Embedding)
                .AddTensor(prefix + "ffn_gate.weight", Noise(random, Embedding * FeedForward, 0.02f), Embedding, FeedForward)
                .AddTensor(prefix + "ffn_up.weight", Noise(random, Embedding * FeedForward, 0.02f), Embedding, FeedForward)
                .AddTensor(prefix + "ffn_down.weight", Noise(random, FeedForward * Embedding, 0.02f), FeedForward, Embedding);
        }

        gguf.AddTensor("output_norm.weight", Ones(Embedding), Embedding)
            .AddTensor("output.weight", output, Embedding, vocabSize)
            .Save(path);
    }

    private static List<(string, int)> BuildVocabulary()
    {
        var vocabulary = new List<(string, int)> { ("<unk>", Unknown), ("<s>", Control), ("</s>", Control) };
        for (var b = 0; b < 256; b++)
        {
            vocabulary.Add(($"<0x{b:X2}>", Byte));
        }

        vocabulary.Add(("<|im_start|>", Control));
        vocabulary.Add(("<|im_end|>", Control));
        vocabulary.Add(("▁", Normal));
        foreach (var c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?:;'\"-()<>|_")
        {
            vocabulary.Add((c.ToString(), Normal));
        }

        vocabulary.AddRange(Words.Select(w => (w, Normal)));
        return vocabulary;
    }

    private static float[] Ones(int count) => Enumerable.Repeat(1f, count).ToArray();

    private static float[] Noise(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
}
