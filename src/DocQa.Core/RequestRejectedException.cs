namespace DocQa.Core;

/// <summary>Why a client's request was refused; the hosts map it to an HTTP status or a CLI exit.</summary>
public enum RejectionKind { BadRequest, NotFound, UnsupportedMediaType, PayloadTooLarge, Conflict, Overloaded }

/// <summary>A request that DocQa refuses, with a message fit to show the user. Nothing stored is changed.</summary>
public sealed class RequestRejectedException(RejectionKind kind, string message) : Exception(message)
{
    public RejectionKind Kind { get; } = kind;

    /// <summary>For <see cref="RejectionKind.Overloaded"/>: when trying again makes sense.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static RequestRejectedException NotFound(string message) => new(RejectionKind.NotFound, message);
    public static RequestRejectedException BadRequest(string message) => new(RejectionKind.BadRequest, message);
}
