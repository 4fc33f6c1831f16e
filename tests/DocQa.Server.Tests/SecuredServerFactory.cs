using DocQa.Hosting;
using Microsoft.AspNetCore.Hosting;

namespace DocQa.Server.Tests;

/// <summary>The server with API keys configured: readers, a writer and an admin over two indexes, and a key with a tiny rate limit.</summary>
public class SecuredServerFactory : DocQaServerFactory
{
    public const string IndexA = "auth-a";
    public const string IndexB = "auth-b";
    public const int ThrottledPerMinute = 3;

    public string ReaderA { get; } = ApiKeys.Generate();
    public string ReaderB { get; } = ApiKeys.Generate();
    public string WriterA { get; } = ApiKeys.Generate();
    public string Admin { get; } = ApiKeys.Generate();
    public string Throttled { get; } = ApiKeys.Generate();

    private readonly Lazy<Task> _documents;

    public SecuredServerFactory() => _documents = new Lazy<Task>(UploadDocumentsAsync);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        var keys = new (string Name, string Key, string Role, string[] Indexes)[]
        {
            ("reader-a", ReaderA, "reader", [IndexA]),
            ("reader-b", ReaderB, "reader", [IndexB]),
            ("writer-a", WriterA, "writer", [IndexA]),
            ("admin", Admin, "admin", ["*"]),
            ("throttled", Throttled, "reader", [IndexA]),
        };
        for (var i = 0; i < keys.Length; i++)
        {
            builder.UseSetting($"Auth:Keys:{i}:Name", keys[i].Name);
            builder.UseSetting($"Auth:Keys:{i}:Hash", ApiKeys.Hash(keys[i].Key));
            builder.UseSetting($"Auth:Keys:{i}:Role", keys[i].Role);
            for (var j = 0; j < keys[i].Indexes.Length; j++)
                builder.UseSetting($"Auth:Keys:{i}:Indexes:{j}", keys[i].Indexes[j]);
        }
        builder.UseSetting("Auth:Keys:4:RequestsPerMinute", ThrottledPerMinute.ToString());
    }

    public HttpClient ClientWith(string? key)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    /// <summary>One ready document in each index (uploaded once for all tests).</summary>
    public Task EnsureDocumentsAsync() => _documents.Value;

    private async Task UploadDocumentsAsync()
    {
        var admin = ClientWith(Admin);
        await admin.UploadAsync(IndexA, "lamps.txt", "The lamp room of the north lighthouse is painted white every spring."u8.ToArray());
        await admin.UploadAsync(IndexB, "payroll.txt", "The payroll secret: every keeper of the north lighthouse earns forty crowns."u8.ToArray());
        await admin.WaitForDocumentAsync(IndexA, "lamps-txt");
        await admin.WaitForDocumentAsync(IndexB, "payroll-txt");
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredServerCollection : ICollectionFixture<SecuredServerFactory>
{
    public const string Name = "secured server";
}
