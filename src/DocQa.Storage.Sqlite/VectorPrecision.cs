namespace DocQa.Storage.Sqlite;

/// <summary>How the store keeps chunk vectors in memory for search.</summary>
public enum VectorPrecision
{
    /// <summary>
    /// One signed byte a component with a scale a vector: a quarter of the memory of float32, scanned with integer
    /// multiply-adds. The best candidates are then rescored exactly from the float32 vectors in the file, so the
    /// results carry exact cosines.
    /// </summary>
    Int8,

    /// <summary>The vectors as given, four bytes a component; every score exact without a rescoring step.</summary>
    Float32,
}
