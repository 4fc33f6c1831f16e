namespace DocQa.Server.Security;

/// <summary>Problem details written straight from middleware (401, 403, 429, 504), in the same style as the endpoints' errors.</summary>
public static class ProblemResponses
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>The 504 of a request that ran past Limits:RequestTimeoutSeconds.</summary>
    public static Task TimedOutAsync(HttpContext context, int seconds) =>
        WriteAsync(context, StatusCodes.Status504GatewayTimeout, "Timed out",
            $"The request took longer than {seconds} s (Limits:RequestTimeoutSeconds).");
}
