using System.Numerics.Tensors;
using DocQa.Storage.Sqlite;

namespace DocQa.Storage.Tests;

public sealed class VectorMatrixTests
{
    [Fact]
    public void Search_MatchesAFullSort_OnRandomVectors()
    {
        var random = new Random(7);
        var matrix = new VectorMatrix();
        var rows = new List<(long Id, float[] Vector)>();
        for (var i = 0; i < 1000; i++)
        {
            var vector = RandomUnit(random, 16);
            rows.Add((i + 100, vector));
            matrix.Add($"doc-{i % 10}", i + 100, vector);
        }
        var query = RandomUnit(random, 16);

        var hits = matrix.Search(query, 10);

        var expected = rows.OrderByDescending(row => TensorPrimitives.Dot(row.Vector, query)).Take(10).Select(row => row.Id);
        Assert.Equal(expected, hits.Select(hit => hit.ChunkRowId));
        Assert.Equal(TensorPrimitives.Dot(rows[(int)hits[0].ChunkRowId - 100].Vector, query), hits[0].Score, 5);
    }

    [Fact]
    public void Search_AppliesTheFilterBeforeTakingTheTop()
    {
        var matrix = new VectorMatrix();
        matrix.Add("best", 1, [1, 0]);
        matrix.Add("best", 2, [0.99f, 0.14f]);
        matrix.Add("worse", 3, [0, 1]);

        var hits = matrix.Search([1, 0], 1, new HashSet<string> { "worse" });

        Assert.Equal(3, Assert.Single(hits).ChunkRowId);
        Assert.Empty(matrix.Search([1, 0], 1, new HashSet<string> { "unknown" }));
    }

    [Fact]
    public void RemoveDocument_KeepsEveryOtherRowFindable()
    {
        var matrix = new VectorMatrix();
        // Rows of the removed document at the start, middle and end, so holes are filled from the end.
        string[] owners = ["x", "a", "x", "b", "c", "x", "d", "x"];
        for (var i = 0; i < owners.Length; i++) matrix.Add(owners[i], i, Axis(i, owners.Length));

        Assert.Equal(4, matrix.RemoveDocument("x"));

        Assert.Equal(4, matrix.Count);
        Assert.Equal(0, matrix.CountOf("x"));
        foreach (var i in new[] { 1, 3, 4, 6 })
        {
            var hit = matrix.Search(Axis(i, owners.Length), 1)[0];
            Assert.Equal(i, hit.ChunkRowId);
            Assert.Equal(1f, hit.Score, 5);
        }
        Assert.DoesNotContain(matrix.Search(Axis(0, owners.Length), 10), hit => hit.ChunkRowId is 0 or 2 or 5 or 7);
    }

    [Fact]
    public void Add_GrowsByDoubling_AndKeepsTheRows()
    {
        var matrix = new VectorMatrix();
        for (var i = 0; i < 100; i++) matrix.Add("doc", i, [MathF.Cos(i), MathF.Sin(i)]);

        Assert.Equal(100, matrix.Count);
        Assert.Equal(128, matrix.Capacity);
        Assert.Equal(37, matrix.Search([MathF.Cos(37), MathF.Sin(37)], 1)[0].ChunkRowId);
    }

    [Fact]
    public void Dimension_IsFixedWhileRowsExist_AndFreeWhenEmpty()
    {
        var matrix = new VectorMatrix();
        matrix.Add("doc", 1, [1, 0, 0]);

        Assert.Throws<ArgumentException>(() => matrix.Add("other", 2, [1, 0]));
        Assert.Throws<ArgumentException>(() => matrix.Search([1, 0], 1));

        matrix.RemoveDocument("doc");
        matrix.Add("doc", 3, [0, 1]);
        Assert.Equal(2, matrix.Dimension);
        Assert.Equal(3, Assert.Single(matrix.Search([0, 1], 5)).ChunkRowId);
    }

    private static float[] Axis(int axis, int dimension)
    {
        var vector = new float[dimension];
        vector[axis] = 1;
        return vector;
    }

    private static float[] RandomUnit(Random random, int dimension)
    {
        var vector = new float[dimension];
        for (var i = 0; i < dimension; i++) vector[i] = (float)(random.NextDouble() * 2 - 1);
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    [Fact]
    public void Reserve_SizesTheMatrixExactlyForALoad()
    {
        var matrix = new VectorMatrix(VectorPrecision.Int8);
        matrix.Reserve(1000);
        for (var row = 0; row < 1000; row++)
            matrix.Add($"doc{row % 7}", row, [1f, row % 3, 0.5f]);

        Assert.Equal(1000, matrix.Count);
        Assert.Equal(1000, matrix.Capacity);
        matrix.Add("doc0", 1000, [1f, 0f, 0f]);
        Assert.Equal(2000, matrix.Capacity); // growth after the load doubles as before
    }
}
