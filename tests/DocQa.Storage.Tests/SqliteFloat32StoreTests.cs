using DocQa.Core.Storage;
using DocQa.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace DocQa.Storage.Tests;

/// <summary>The store contract again with float32 vectors in memory (the default is int8 with rescoring).</summary>
public sealed class SqliteFloat32StoreTests : DocumentStoreContract
{
    private static readonly SqliteDocumentStoreOptions Float32 = new() { VectorPrecision = VectorPrecision.Float32 };
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "docqa-storage-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_folder, "docqa.db");

    protected override IDocumentStore CreateStore() => Track(new SqliteDocumentStore(DatabasePath, Options.Create(Float32)));

    protected override IDocumentStore ReopenStore(IDocumentStore store)
    {
        ((IDisposable)store).Dispose();
        return Track(new SqliteDocumentStore(DatabasePath, Options.Create(Float32)));
    }

    public override void Dispose()
    {
        base.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
