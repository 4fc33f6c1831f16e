using System.Diagnostics.CodeAnalysis;

// The precisions are named after their number formats (int8, float32): the words the README and the bench use.
[assembly: SuppressMessage("Naming", "CA1720", Justification = "Named after number formats.", Scope = "member", Target = "~F:DocQa.Storage.Sqlite.VectorPrecision.Int8")]
[assembly: SuppressMessage("Naming", "CA1720", Justification = "Named after number formats.", Scope = "member", Target = "~F:DocQa.Storage.Sqlite.VectorPrecision.Float32")]
