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
    /// How much of the file SQLite reads through a memory map rather than read calls (0 turns it off). Keyword search
    /// visits one chunk row per match, so on a large store this is most of its cost.
    /// </summary>
    public long MemoryMapBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Clock for queue timestamps (claims); replaceable in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
