using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DocQa.Storage.Sqlite;

namespace DocQa.Storage.Tests;

/// <summary>
/// Every kernel of <see cref="Int8Vectors.Dot"/> against a plain loop, not only the one this CPU makes Dot pick.
/// A kernel the CPU lacks is skipped, and the skip names it.
/// </summary>
public sealed class Int8DotKernelTests
{
    private delegate int Kernel(ReadOnlySpan<byte> shiftedRow, ReadOnlySpan<sbyte> query);

    private static readonly Dictionary<string, (bool Supported, Kernel Run)> Kernels = new()
    {
        ["AvxVnni"] = (AvxVnni.IsSupported, Int8Vectors.SumOfProductsAvxVnni),
        ["Avx2"] = (Avx2.IsSupported, Int8Vectors.SumOfProductsAvx2),
        ["Vector128"] = (Vector128.IsHardwareAccelerated, Int8Vectors.SumOfProductsVector128),
        ["Scalar"] = (true, (row, query) => Int8Vectors.SumOfProductsScalar(row, query, 0)),
    };

    [SkippableTheory]
    [InlineData("AvxVnni")]
    [InlineData("Avx2")]
    [InlineData("Vector128")]
    [InlineData("Scalar")]
    public void Kernel_MatchesAPlainLoop_OnRandomCodes_OfEveryTailLength(string name)
    {
        var kernel = Supported(name);
        var random = new Random(17);
        // Every length up to a few vector widths (so every tail length of 16 and 32 lanes), then embedding sizes.
        foreach (var length in Enumerable.Range(0, 130).Concat([383, 384, 768, 1024]))
        {
            var row = new byte[length];
            var query = new sbyte[length];
            for (var i = 0; i < length; i++)
            {
                row[i] = (byte)(random.Next(-127, 128) + 128);
                query[i] = (sbyte)random.Next(-127, 128);
            }
            Assert.Equal(PlainSum(row, query), kernel(row, query));
        }
    }

    [SkippableTheory]
    [InlineData("AvxVnni")]
    [InlineData("Avx2")]
    [InlineData("Vector128")]
    [InlineData("Scalar")]
    public void Kernel_MatchesAPlainLoop_AtTheExtremeCodes(string name)
    {
        var kernel = Supported(name);
        // Codes of ±127 everywhere give the largest products and sums, where a narrow lane would overflow.
        foreach (var length in new[] { 1, 15, 16, 17, 31, 32, 33, 1024, 1031 })
            foreach (var (rowCode, queryCode) in new[] { (127, 127), (-127, -127), (127, -127), (-127, 127), (0, 127) })
            {
                var row = Enumerable.Repeat((byte)(rowCode + 128), length).ToArray();
                var query = Enumerable.Repeat((sbyte)queryCode, length).ToArray();
                Assert.Equal(PlainSum(row, query), kernel(row, query));
                // And Dot undoes the shift: the signed codes' own product.
                Assert.Equal(length * rowCode * queryCode, kernel(row, query) - 128 * length * queryCode);
            }
    }

    private static Kernel Supported(string name)
    {
        var (supported, run) = Kernels[name];
        Skip.IfNot(supported, $"this CPU lacks {name}, so its kernel cannot run here");
        return run;
    }

    private static int PlainSum(byte[] row, sbyte[] query)
    {
        var sum = 0;
        for (var i = 0; i < row.Length; i++) sum += row[i] * query[i];
        return sum;
    }
}
