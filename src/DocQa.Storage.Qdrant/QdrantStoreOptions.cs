using System.ComponentModel.DataAnnotations;

namespace DocQa.Storage.Qdrant;

/// <summary>Where the Qdrant server is and how DocQa lays out its collections there; bound from Storage:Qdrant.</summary>
public sealed class QdrantStoreOptions
{
    public const string Section = "Storage:Qdrant";

    /// <summary>The gRPC endpoint, e.g. http://qdrant:6334 (https:// for TLS); when set, Host, Port and Https are not read.</summary>
    public string? Url { get; set; }

    public string Host { get; set; } = "localhost";

    /// <summary>Qdrant's gRPC port (6333 is its REST port).</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 6334;

    public bool Https { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>SHA-256 thumbprint of the server's certificate, to trust a self-signed one over TLS.</summary>
    public string? CertificateThumbprint { get; set; }

    /// <summary>Collections are named {prefix}_chunks and {prefix}_documents.</summary>
    [RegularExpression("^[a-zA-Z0-9_-]{1,100}$")]
    public string CollectionPrefix { get; set; } = "docqa";

    /// <summary>The embedding model's vector size; the chunks collection is created with it and checked against it.</summary>
    [Range(1, 65536)]
    public int Dimensions { get; set; } = 384;

    /// <summary>
    /// How long a replica's claim on a queued document lasts; after it runs out (the replica died mid-way) another
    /// replica may take the document. Claims are renewed while processing goes on.
    /// </summary>
    [Range(5, 86400)]
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>Names this replica in leases; at start-up it takes back its own interrupted work at once. Default: the host name.</summary>
    public string? ReplicaId { get; set; }

    /// <summary>Shards of a new collection (0: Qdrant's default, one per node).</summary>
    [Range(0, 1024)]
    public int ShardNumber { get; set; }

    /// <summary>Copies of each shard in a new collection (0: Qdrant's default, 1).</summary>
    [Range(0, 64)]
    public int ReplicationFactor { get; set; }
}
