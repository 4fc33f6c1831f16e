namespace DocQa.Cli.Tests;

/// <summary>docqa bench runs the benchmarks of bench/DocQa.Benchmarks with the options they had in the CLI.</summary>
public sealed class BenchFrontTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("docqa-cli-bench-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Bench_ingest_prints_its_figures_and_leaves_its_store_where_it_was_told()
    {
        Directory.CreateDirectory(Path.Combine(_work, "docs"));
        File.WriteAllText(Path.Combine(_work, "docs", "tides.md"), "# Tides\n\nHigh tide at Gull Harbor comes at 6:40 in the morning in June.\n");
        File.WriteAllText(Path.Combine(_work, "docs", "keepers.txt"), "The lighthouse keeper trims the wicks every Sunday evening.\n");
        var data = Path.Combine(_work, "store");

        var bench = await ChildProcess.RunCliAsync(_work, "bench", "ingest", "docs", "--data-dir", data);

        Assert.True(bench.ExitCode == 0, bench.StandardOutput + bench.StandardError);
        Assert.Contains("documents            2 (0 failed)", bench.StandardOutput);
        foreach (var figure in new[] { "extraction", "chunking", "tokenising", "embedding float32", "embedding int8", "storing (int8)", "pages/s", "chunks/s", "int8 / float32" })
            Assert.Contains(figure, bench.StandardOutput);
        var cosine = System.Text.RegularExpressions.Regex.Match(bench.StandardOutput, @"cosine int8~float32  mean (\d\.\d+)  min (\d\.\d+) over \d+ chunks");
        Assert.True(cosine.Success, bench.StandardOutput);
        Assert.InRange(double.Parse(cosine.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 0.98, 1.0);
        Assert.True(Directory.Exists(Path.Combine(data, "float32")) && Directory.Exists(Path.Combine(data, "int8")));
    }

    [Fact]
    public async Task Bench_query_refuses_a_missing_folder_and_a_store_of_no_chunks()
    {
        var missing = await ChildProcess.RunCliAsync(_work, "bench", "query", "--folder", "nowhere", "--chunks", "10");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("docqa bench: no such folder: nowhere", missing.StandardError.Trim());

        var empty = await ChildProcess.RunCliAsync(_work, "bench", "query", "--chunks", "0");
        Assert.NotEqual(0, empty.ExitCode);
        Assert.Contains("--chunks must be positive", empty.StandardError);
    }
}
