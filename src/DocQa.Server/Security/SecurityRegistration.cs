using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace DocQa.Server.Security;

/// <summary>API keys, index access policies, per-key rate limits and request timeouts.</summary>
public static class SecurityRegistration
{
    /// <summary>The rate limiting policy the /v1 endpoints use.</summary>
    public const string PerKeyRateLimit = "per-key";

    public static WebApplicationBuilder AddDocQaSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyRegistry>();
        services.AddSingleton<FailedAuthThrottle>();
        services.AddHostedService<LoopbackGuard>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddIndexPolicies();
        services.AddSingleton<IAuthorizationHandler, IndexAccessHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();

        services.AddRateLimiter(options =>
        {
            options.AddPolicy(PerKeyRateLimit, PerKeyPartition);
            options.OnRejected = OnRateLimitedAsync;
        });

        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<LimitsOptions>>((timeouts, limits) =>
        {
            if (limits.Value.RequestTimeoutSeconds > 0)
                timeouts.DefaultPolicy = new RequestTimeoutPolicy
                {
                    Timeout = TimeSpan.FromSeconds(limits.Value.RequestTimeoutSeconds),
                    TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
                    WriteTimeoutResponse = context => ProblemResponses.TimedOutAsync(context, limits.Value.RequestTimeoutSeconds),
                };
        });
        return builder;
    }

    /// <summary>After routing, before the endpoints: who is calling, have they been refused too often, may they, are they within their rate, and for how long.</summary>
    public static WebApplication UseDocQaSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseMiddleware<FailedAuthThrottle>();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>
    /// Runs the server until it stops. A start that cannot go on (serving keyless beyond loopback, an address in use)
    /// ends with one line and exit code 1, not a crash report.
    /// </summary>
    public static int RunDocQa(this WebApplication app)
    {
        try
        {
            app.Run();
            return 0;
        }
        catch (UnsafeExposureException refused)
        {
            Console.Error.WriteLine($"DocQa.Server: {refused.Message}");
            return 1;
        }
        catch (IOException bind) when (bind.Message.StartsWith("Failed to bind", StringComparison.Ordinal))
        {
            // Kestrel's own words name the address: "Failed to bind to address http://127.0.0.1:5080: address already in use."
            Console.Error.WriteLine($"DocQa.Server: {bind.Message}");
            return 1;
        }
    }

    /// <summary>Each key has its own budget (anonymous callers: each client address); a key's own RequestsPerMinute overrides the default.</summary>
    private static RateLimitPartition<string> PerKeyPartition(HttpContext context)
    {
        var user = context.User;
        var partition = user.IsAnonymous() ? "address:" + context.Connection.RemoteIpAddress : "key:" + user.Identity!.Name;
        var perMinute = user.OwnRequestsPerMinute()
            ?? context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value.RequestsPerMinute;
        if (perMinute == 0) return RateLimitPartition.GetNoLimiter(partition);
        return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private static async ValueTask OnRateLimitedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString();
        await ProblemResponses.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
            $"Too many requests from this key (or, without keys, this address) this minute; try again in {seconds} s.");
    }
}
