using System.ComponentModel.DataAnnotations;

namespace DocQa.Server.Security;

/// <summary>
/// The Limits section: bounds on what one request may ask of the server. The bounds on a question itself (its length,
/// its top) are Core's <see cref="DocQa.Core.QueryLimits"/>, in the same section, checked by the services for every front end.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Requests per minute for each key (each client address when anonymous); 0 = unlimited. Beyond it: 429 with Retry-After.</summary>
    [Range(0, int.MaxValue)]
    public int RequestsPerMinute { get; set; } = 1200;

    /// <summary>
    /// Refused requests (401 or 403) per minute from one client address; past it every request from that address gets
    /// 429 with Retry-After until the minute ends. 0 = unlimited.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int FailedAuthPerMinute { get; set; } = 30;

    /// <summary>Largest JSON body accepted by the search and ask endpoints (uploads have Ingestion:MaxUploadBytes); larger: 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxJsonBodyBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Longest time a request may take before it is cancelled (504); 0 = no limit. A streamed answer is bounded
    /// until its first event; after that its length is bounded by Llm:MaxAnswerTokens and a client that leaves stops it.
    /// </summary>
    [Range(0, 86400)]
    public int RequestTimeoutSeconds { get; set; } = 120;
}
