using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace DocQa.Server.Security;

/// <summary>
/// Limits refused API requests (401 and 403), so that nobody can try keys or probe indexes at full speed. Requests
/// without a valid key count per client address, those with a valid key per key: one client's failures never lock
/// out a valid key that shares its address. Each refusal spends one permit of a one-minute window; once the window is
/// spent, every request of that address (or key) is answered 429 with Retry-After until the window ends, before it is
/// authorized. Requests that succeed spend nothing.
/// </summary>
public sealed class FailedAuthThrottle : IMiddleware, IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext>? _limiter;
    private readonly int _perMinute;

    public FailedAuthThrottle(IOptions<LimitsOptions> limits)
    {
        _perMinute = limits.Value.FailedAuthPerMinute;
        if (_perMinute > 0)
            _limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetFixedWindowLimiter(PartitionOf(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = _perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (_limiter is null || !context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }

        // Asking for no permit tells whether any is left without spending one.
        using (var left = _limiter.AttemptAcquire(context, 0))
        {
            if (!left.IsAcquired)
            {
                var retryAfter = left.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await ProblemResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many refused requests",
                    $"More than {_perMinute} requests from this {(IsKey(context) ? "API key" : "address")} were refused (401 or 403) this minute; try again in {seconds} s.");
                return;
            }
        }

        await next(context);
        if (context.Response.StatusCode is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)
            _limiter.AttemptAcquire(context, 1).Dispose();
    }

    public void Dispose() => _limiter?.Dispose();

    // Runs after authentication: a valid key is its own partition, anything else is its address's.
    private static bool IsKey(HttpContext context) => context.User.Identity?.IsAuthenticated == true && !context.User.IsAnonymous();

    private static string PartitionOf(HttpContext context) =>
        IsKey(context) ? "key:" + context.User.Identity!.Name : "address:" + (context.Connection.RemoteIpAddress ?? IPAddress.None);
}
