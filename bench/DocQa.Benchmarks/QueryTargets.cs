namespace DocQa.Benchmarks;

/// <summary>
/// What bench query checks its figures against; each comes from an option, with these defaults (also in the README):
/// hybrid p95 (with the query's embedding) of 25 ms up to 100k chunks and 150 ms above, recall@10 of 0.99 and a
/// peak working set under 1.2 GB (a target set at 1M chunks), and a store opened again (from its checkpoint)
/// answering its first query within 5 s.
/// </summary>
public sealed record QueryTargets(double HybridP95Ms, double Recall, double PeakMemoryGb, double RestartSeconds = QueryTargets.DefaultRestartSeconds)
{
    public const double DefaultRestartSeconds = 5;
    public const double P95MsUpTo100k = 25;
    public const double P95MsAbove100k = 150;
    public const double DefaultRecall = 0.99;
    public const double DefaultPeakMemoryGb = 1.2;

    public static double DefaultP95Ms(int chunks) => chunks <= 100_000 ? P95MsUpTo100k : P95MsAbove100k;
}

/// <summary>What bench query is asked to measure.</summary>
public sealed record QueryBenchmarkSettings(int Chunks, string Folder, string? QuestionsFile, int Queries, QueryTargets Targets);
