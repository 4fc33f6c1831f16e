using DocQa.Core.Chunking;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using Microsoft.Extensions.AI;

namespace DocQa.Core.Tests;

/// <summary>
/// Counts tokens roughly as a WordPiece tokenizer would: each punctuation mark is a token and each run of
/// letters/digits is a token per four characters. It also records how much text it was asked to count.
/// With countLineBreaks each '\n' is a token too, so that a chunk counts more than the sum of its pieces.
/// </summary>
public sealed class FakeTokenCounter(int maxTextTokens = 254, bool countLineBreaks = false) : ITokenCounter
{
    public int MaxTextTokens { get; } = maxTextTokens;
    public long CharactersCounted { get; private set; }

    public int CountTokens(string text)
    {
        CharactersCounted += text.Length;
        int tokens = 0, run = 0;
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                run++;
                continue;
            }
            tokens += (run + 3) / 4;
            run = 0;
            if (!char.IsWhiteSpace(c) || (countLineBreaks && c == '\n'))
                tokens++;
        }
        return tokens + (run + 3) / 4;
    }
}

/// <summary>
/// A stand-in embedding model: a hashed bag of the text's words (a few function words left out), unit length,
/// so texts that share words have a high cosine and texts that share none have zero.
/// </summary>
public sealed class HashEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int Dimensions = 384;
    private static readonly HashSet<string> Ignored = ["a", "an", "the", "of", "in", "on", "is", "was", "were", "what", "to", "and", "by", "for"];

    public int Calls { get; private set; }
    public int LastInputCount { get; private set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values.ToList();
        Calls++;
        LastInputCount = inputs.Count;
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Select(v => new Embedding<float>(Embed(v))));
        return Task.FromResult(result);
    }

    public static float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        foreach (string word in Words(text))
        {
            uint hash = 2166136261;
            foreach (char c in word)
                hash = (hash ^ c) * 16777619;
            vector[hash % Dimensions] += 1;
        }
        float norm = MathF.Sqrt(vector.Sum(x => x * x));
        if (norm > 0)
        {
            for (int i = 0; i < vector.Length; i++)
                vector[i] /= norm;
        }
        return vector;
    }

    private static IEnumerable<string> Words(string text) =>
        text.ToLowerInvariant()
            .Split(c => !char.IsLetterOrDigit(c))
            .Where(w => w.Length > 0 && !Ignored.Contains(w))
            .Select(w => w.Length > 3 && w.EndsWith('s') ? w[..^1] : w);

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

internal static class StringSplitExtensions
{
    public static IEnumerable<string> Split(this string text, Func<char, bool> isSeparator)
    {
        int start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || isSeparator(text[i]))
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
    }
}
