using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DocQa.Storage.Sqlite;

/// <summary>
/// Symmetric int8 quantization of a vector: code = round(value / scale) with scale = max|value| / 127, so the
/// largest component uses the full range and value ≈ code × scale. A per-vector scale (not a global one) keeps the
/// precision of vectors whose components are all small, which unit vectors of a few hundred dimensions are.
/// </summary>
internal static class Int8Vectors
{
    private const int MaxCode = 127; // not 128: the range stays symmetric and |code × code| fits a short

    /// <summary>Writes the codes of <paramref name="vector"/> and returns its scale (0 for a zero vector).</summary>
    public static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        var largest = TensorPrimitives.MaxMagnitude(vector);
        largest = MathF.Abs(largest);
        if (largest == 0 || !float.IsFinite(largest))
        {
            codes.Clear();
            return 0;
        }
        var inverse = MaxCode / largest;
        for (var i = 0; i < vector.Length; i++)
            codes[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * inverse), -MaxCode, MaxCode);
        return largest / MaxCode;
    }

    /// <summary>The integer dot product of two code vectors of equal length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        ref var left = ref MemoryMarshal.GetReference(a);
        ref var right = ref MemoryMarshal.GetReference(b);
        var length = (nuint)a.Length;
        nuint i = 0;
        var sum = 0;

        if (Avx2.IsSupported && length >= 32)
        {
            // Sign-extend 16 codes to shorts and let vpmaddwd multiply and add neighbours into ints: two
            // instructions for 16 products, and no overflow (127 × 127 × 2 fits an int many times over).
            var total = Vector256<int>.Zero;
            for (; i + 32 <= length; i += 32)
            {
                var (leftLow, leftHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref left, i));
                var (rightLow, rightHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref right, i));
                total += Avx2.MultiplyAddAdjacent(leftLow, rightLow) + Avx2.MultiplyAddAdjacent(leftHigh, rightHigh);
            }
            sum = Vector256.Sum(total);
        }
        else if (Vector128.IsHardwareAccelerated && length >= 16)
        {
            // Portable form: products of two codes fit a short; widen them to ints before adding up.
            var total = Vector128<int>.Zero;
            for (; i + 16 <= length; i += 16)
            {
                var (leftLow, leftHigh) = Vector128.Widen(Vector128.LoadUnsafe(ref left, i));
                var (rightLow, rightHigh) = Vector128.Widen(Vector128.LoadUnsafe(ref right, i));
                var (p0, p1) = Vector128.Widen(leftLow * rightLow);
                var (p2, p3) = Vector128.Widen(leftHigh * rightHigh);
                total += p0 + p1 + p2 + p3;
            }
            sum = Vector128.Sum(total);
        }

        for (; i < length; i++)
            sum += Unsafe.Add(ref left, i) * Unsafe.Add(ref right, i);
        return sum;
    }
}
