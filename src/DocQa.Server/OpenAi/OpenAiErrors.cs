using DocQa.Contracts;

namespace DocQa.Server.OpenAi;

/// <summary>OpenAI's error types and codes for an HTTP status, so OpenAI clients raise their usual exceptions.</summary>
public static class OpenAiErrors
{
    public static OpenAiError For(int status, string message) => new(new OpenAiErrorBody(message,
        status switch
        {
            StatusCodes.Status401Unauthorized => "authentication_error",
            StatusCodes.Status403Forbidden => "permission_error",
            StatusCodes.Status429TooManyRequests => "rate_limit_error",
            >= 500 => "server_error",
            _ => "invalid_request_error",
        },
        null,
        status switch
        {
            StatusCodes.Status401Unauthorized => "invalid_api_key",
            StatusCodes.Status404NotFound => "model_not_found",
            StatusCodes.Status429TooManyRequests => "rate_limit_exceeded",
            _ => null,
        }));
}

/// <summary>
/// On the OpenAI-compatible routes every error (a refused request, a bad body, 401, 403, 429, 504) is written in
/// OpenAI's shape; elsewhere the default problem details writer answers. Registered ahead of it.
/// </summary>
public sealed class OpenAiErrorWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => ChatCompletionEndpoints.IsOpenAiRoute(context.HttpContext.Request.Path);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var status = context.ProblemDetails.Status ?? response.StatusCode;
        var message = context.ProblemDetails.Detail ?? context.ProblemDetails.Title ?? "The request failed.";
        return new ValueTask(response.WriteAsJsonAsync(OpenAiErrors.For(status, message), JsonDefaults.Options));
    }
}
