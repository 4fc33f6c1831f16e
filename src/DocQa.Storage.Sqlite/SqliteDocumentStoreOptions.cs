using System.ComponentModel.DataAnnotations;
using DocQa.Core.Retrieval;

namespace DocQa.Storage.Sqlite;

/// <summary>Tuning for <see cref="SqliteDocumentStore"/>, bound from Storage:Sqlite; the defaults suit most deployments.</summary>
public sealed record SqliteDocumentStoreOptions : IValidatableObject
{
    public const string Section = "Storage:Sqlite";

    /// <summary>
    /// How many times a term of a chunk's heading counts against one of its text, for keyword search: the heading is
    /// the section path under the document's title, and a term there says more about the chunk than one in its body.
    /// Qdrant's sparse vectors always use the default: another value ranks differently from Qdrant.
    /// </summary>
    [Range(0, 100)]
    public int HeadingWeight { get; init; } = Bm25.DefaultHeadingWeight;

    /// <summary>How long a statement waits for a lock held by another connection before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How much of the file SQLite reads through a memory map rather than read calls (0, the default, turns it off).
    /// Off, because every pooled connection maps the file anew and the process's memory grows by that much per
    /// connection: at 100k chunks a 256 MB map took the peak working set from 530 MB to 1.4 GB, and searches were
    /// no faster with it.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MemoryMapBytes { get; init; }

    /// <summary>
    /// How chunk vectors are kept in memory. Int8 (the default) takes a quarter of the memory of float32 and scans
    /// faster; its best candidates are rescored exactly from the float32 vectors in the file, so results and scores
    /// are those of an exact search whenever the true top is among the candidates (docqa bench query measures the
    /// recall@10 against an exact float32 scan).
    /// </summary>
    public VectorPrecision VectorPrecision { get; init; } = VectorPrecision.Int8;

    /// <summary>
    /// Int8 only: a search for the top k rescores the best max(k × this, <see cref="RescoreMinimum"/>) candidates
    /// exactly. Int8 scores are close enough that 2 loses nothing measurable: at 100k chunks the top 40 of the 195
    /// SEC 10-Q questions came out identical to an exact scan's, and each candidate read from the file costs ~10 µs.
    /// </summary>
    [Range(1, 1000)]
    public int RescoreFactor { get; init; } = 2;

    /// <summary>Int8 only: the fewest candidates rescored exactly, however small the top asked for.</summary>
    [Range(1, 1_000_000)]
    public int RescoreMinimum { get; init; } = 64;

    /// <summary>
    /// Stores of at least this many chunks keep their search state in a checkpoint beside the database (its name plus
    /// ".search"), read back at open instead of rebuilt from every row: at 1M chunks the rebuild takes most of a
    /// minute. Smaller stores rebuild in well under a second and keep none.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int CheckpointMinimumChunks { get; init; } = 10_000;

    /// <summary>
    /// Chunks added or removed since the last checkpoint that start a new one in the background (one is also written
    /// at close); until then an open after a crash replays the journal of those changes from the database.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int CheckpointAfterChunks { get; init; } = 100_000;

    /// <summary>Clock for queue timestamps (claims); replaceable in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BusyTimeout <= TimeSpan.Zero)
            yield return new ValidationResult($"{Section}:BusyTimeout ({BusyTimeout}) must be positive.", [nameof(BusyTimeout)]);
    }
}
