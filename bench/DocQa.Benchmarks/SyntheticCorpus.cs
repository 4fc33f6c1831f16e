using System.Globalization;
using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using DocQa.Core.Storage;

namespace DocQa.Benchmarks;

/// <summary>A chunk of the benchmark's source documents and its embedding.</summary>
public sealed record SourceChunk(string Text, string? Heading, int Page, int PageEnd, float[] Vector);

/// <summary>
/// The chunks of the query benchmark's store: the source chunks as they are, then copies with small changes (a few
/// words swapped, numbers changed, noise on the vector), a thousand to a document. The same source always gives the
/// same chunks in the same order, so the vectors of a store built earlier can be generated again for the ground truth.
/// </summary>
public static partial class SyntheticCorpus
{
    public const int ChunksPerDocument = 1000; // big batches: one transaction writes a thousand chunks
    private const float VectorNoise = 0.015f;  // per component; a copy keeps a cosine of about 0.96 with its original
    private const int Seed = 12345;

    /// <summary>The documents in the order they are stored: ids synthetic-00000, synthetic-00001, …</summary>
    public static IEnumerable<(string DocumentId, List<StoredChunk> Chunks)> Documents(IReadOnlyList<SourceChunk> source, int chunkCount)
    {
        var random = new Random(Seed);
        for (int start = 0, document = 0; start < chunkCount; start += ChunksPerDocument, document++)
        {
            var id = $"synthetic-{document:D5}";
            var chunks = new List<StoredChunk>(ChunksPerDocument);
            for (var n = start; n < Math.Min(chunkCount, start + ChunksPerDocument); n++)
            {
                var original = source[n % source.Count];
                var copy = n / source.Count;
                var text = copy == 0 ? original.Text : Perturb(original.Text, random);
                // The suffix makes every row's text its own, so the keyword index holds N distinct rows.
                chunks.Add(new StoredChunk($"{id}#{n - start}", n - start, $"{text} [ref {n}]", original.Heading,
                    original.Page, original.PageEnd, copy == 0 ? original.Vector : Noisy(original.Vector, random)));
            }
            yield return (id, chunks);
        }
    }

    /// <summary>A few neighbouring words swapped and the digits of a few numbers changed.</summary>
    private static string Perturb(string text, Random random)
    {
        var words = text.Split(' ');
        for (var swaps = 0; swaps < 3 && words.Length > 3; swaps++)
        {
            var i = random.Next(words.Length - 1);
            (words[i], words[i + 1]) = (words[i + 1], words[i]);
        }
        var changed = 0;
        for (var i = 0; i < words.Length && changed < 3; i++)
        {
            if (!Number().IsMatch(words[i]) || random.Next(3) != 0) continue;
            words[i] = Number().Replace(words[i], m => random.Next((int)Math.Pow(10, Math.Min(m.Length, 6))).ToString(CultureInfo.InvariantCulture));
            changed++;
        }
        return string.Join(' ', words);
    }

    /// <summary>The vector plus small gaussian noise, back to unit length.</summary>
    private static float[] Noisy(float[] vector, Random random)
    {
        var noisy = new float[vector.Length];
        for (var i = 0; i < noisy.Length; i++)
        {
            // Box–Muller: two uniforms give one standard normal.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            noisy[i] = vector[i] + VectorNoise * (float)gaussian;
        }
        TensorPrimitives.Divide(noisy, TensorPrimitives.Norm(noisy), noisy);
        return noisy;
    }

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Number();
}
