namespace DocQa.Server.Tests;

/// <summary>One server for all API tests: the embedding model loads once. Each test works in its own index.</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<DocQaServerFactory>
{
    public const string Name = "server";
}
