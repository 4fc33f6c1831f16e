namespace DocQa.Storage.Sqlite;

/// <summary>Tuning for <see cref="SqliteDocumentStore"/>; the defaults suit most deployments.</summary>
public sealed record SqliteDocumentStoreOptions
{
    /// <summary>BM25 weight of a chunk's text column.</summary>
    public double TextWeight { get; init; } = 1.0;

    /// <summary>BM25 weight of a chunk's heading: a term in the heading says more about the chunk than one in its body.</summary>
    public double HeadingWeight { get; init; } = 2.0;

    /// <summary>How long a statement waits for a lock held by another connection before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// From this many stored chunks on, keyword search drops query terms found in more than half of all chunks.
    /// FTS5 gives such a term no BM25 weight (its IDF is floored near zero), yet each chunk holding it would be a
    /// match to score, join and sort: a word in every chunk turns every search into a scan. A query made only of
    /// such terms keeps them.
    /// </summary>
    public int CommonTermsFromChunks { get; init; } = 1000;

    /// <summary>
    /// How much of the file SQLite reads through a memory map rather than read calls (0, the default, turns it off).
    /// Off, because every pooled connection maps the file anew and the process's memory grows by that much per
    /// connection: at 100k chunks a 256 MB map took the peak working set from 530 MB to 1.4 GB, and keyword search
    /// was no faster with it (p95 131 ms without, 145 ms with).
    /// </summary>
    public long MemoryMapBytes { get; init; }

    /// <summary>
    /// How chunk vectors are kept in memory. Int8 (the default) takes a quarter of the memory of float32 and scans
    /// faster; its best candidates are rescored exactly from the float32 vectors in the file, so results and scores
    /// are those of an exact search whenever the true top is among the candidates (docqa bench query measures the
    /// recall@10 against an exact float32 scan).
    /// </summary>
    public VectorPrecision VectorPrecision { get; init; } = VectorPrecision.Int8;

    /// <summary>Int8 only: a search for the top k rescores the best max(k × this, <see cref="RescoreMinimum"/>) candidates exactly.</summary>
    public int RescoreFactor { get; init; } = 8;

    /// <summary>Int8 only: the fewest candidates rescored exactly, however small the top asked for.</summary>
    public int RescoreMinimum { get; init; } = 64;

    /// <summary>Clock for queue timestamps (claims); replaceable in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
