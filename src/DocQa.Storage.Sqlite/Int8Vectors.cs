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

    /// <summary>
    /// Stores codes shifted by 128 into bytes (1..255), the form the scan reads: AVX-VNNI's vpdpbusd multiplies
    /// unsigned bytes by signed ones, 32 pairs an instruction, and the shift costs one correction a query.
    /// </summary>
    public static float QuantizeShifted(ReadOnlySpan<float> vector, Span<byte> shifted)
    {
        Span<sbyte> codes = vector.Length <= 1024 ? stackalloc sbyte[vector.Length] : new sbyte[vector.Length];
        var scale = Quantize(vector, codes);
        for (var i = 0; i < codes.Length; i++) shifted[i] = (byte)(codes[i] + 128);
        return scale;
    }

    /// <summary>
    /// The integer dot product of a row of shifted codes (<see cref="QuantizeShifted"/>) with a query's codes:
    /// Σ (row[i] − 128) × query[i], computed as Σ row[i] × query[i] − 128 × <paramref name="querySum"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(ReadOnlySpan<byte> shiftedRow, ReadOnlySpan<sbyte> query, int querySum)
    {
        var sum = AvxVnni.IsSupported && shiftedRow.Length >= 32 ? SumOfProductsAvxVnni(shiftedRow, query)
            : Avx2.IsSupported && shiftedRow.Length >= 32 ? SumOfProductsAvx2(shiftedRow, query)
            : Vector128.IsHardwareAccelerated && shiftedRow.Length >= 16 ? SumOfProductsVector128(shiftedRow, query)
            : SumOfProductsScalar(shiftedRow, query, 0);
        return sum - 128 * querySum;
    }

    // The kernels below each compute Σ row[i] × query[i] over the whole row; they are internal so that the tests
    // can run every one the host supports, not only the one Dot picks.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SumOfProductsAvxVnni(ReadOnlySpan<byte> shiftedRow, ReadOnlySpan<sbyte> query)
    {
        ref var row = ref MemoryMarshal.GetReference(shiftedRow);
        ref var codes = ref MemoryMarshal.GetReference(query);
        var length = (nuint)shiftedRow.Length;
        nuint i = 0;
        var total = Vector256<int>.Zero;
        for (; i + 32 <= length; i += 32)
            total = AvxVnni.MultiplyWideningAndAdd(total, Vector256.LoadUnsafe(ref row, i), Vector256.LoadUnsafe(ref codes, i));
        return Vector256.Sum(total) + SumOfProductsScalar(shiftedRow, query, (int)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SumOfProductsAvx2(ReadOnlySpan<byte> shiftedRow, ReadOnlySpan<sbyte> query)
    {
        ref var row = ref MemoryMarshal.GetReference(shiftedRow);
        ref var codes = ref MemoryMarshal.GetReference(query);
        var length = (nuint)shiftedRow.Length;
        nuint i = 0;
        // Widen to shorts and let vpmaddwd multiply and add neighbours into ints (255 × 127 × 2 fits an int).
        var total = Vector256<int>.Zero;
        for (; i + 32 <= length; i += 32)
        {
            var (rowLow, rowHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref row, i));
            var (queryLow, queryHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref codes, i));
            total += Avx2.MultiplyAddAdjacent(rowLow.AsInt16(), queryLow) + Avx2.MultiplyAddAdjacent(rowHigh.AsInt16(), queryHigh);
        }
        return Vector256.Sum(total) + SumOfProductsScalar(shiftedRow, query, (int)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SumOfProductsVector128(ReadOnlySpan<byte> shiftedRow, ReadOnlySpan<sbyte> query)
    {
        ref var row = ref MemoryMarshal.GetReference(shiftedRow);
        ref var codes = ref MemoryMarshal.GetReference(query);
        var length = (nuint)shiftedRow.Length;
        nuint i = 0;
        // Portable form: a product fits a short (255 × 127 < 32768); widen the products to ints before adding up.
        var total = Vector128<int>.Zero;
        for (; i + 16 <= length; i += 16)
        {
            var (rowLow, rowHigh) = Vector128.Widen(Vector128.LoadUnsafe(ref row, i));
            var (queryLow, queryHigh) = Vector128.Widen(Vector128.LoadUnsafe(ref codes, i));
            var (p0, p1) = Vector128.Widen(rowLow.AsInt16() * queryLow);
            var (p2, p3) = Vector128.Widen(rowHigh.AsInt16() * queryHigh);
            total += p0 + p1 + p2 + p3;
        }
        return Vector128.Sum(total) + SumOfProductsScalar(shiftedRow, query, (int)i);
    }

    /// <summary>The plain loop, from <paramref name="start"/> on: the kernels' tail and the fallback without SIMD.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SumOfProductsScalar(ReadOnlySpan<byte> shiftedRow, ReadOnlySpan<sbyte> query, int start)
    {
        var sum = 0;
        for (var i = start; i < shiftedRow.Length; i++)
            sum += shiftedRow[i] * query[i];
        return sum;
    }
}
