using System.Text.Json;
using DocQa.Core;
using Microsoft.AspNetCore.Diagnostics;

namespace DocQa.Server;

/// <summary>Turns refused requests into RFC 9457 problem responses with the right status and a readable detail.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            RequestRejectedException rejected => rejected.Kind switch
            {
                RejectionKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
                RejectionKind.UnsupportedMediaType => (StatusCodes.Status415UnsupportedMediaType, "Unsupported document type"),
                RejectionKind.PayloadTooLarge => (StatusCodes.Status413PayloadTooLarge, "Upload too large"),
                RejectionKind.Conflict => (StatusCodes.Status409Conflict, "Conflict"),
                RejectionKind.Overloaded => (StatusCodes.Status503ServiceUnavailable, "Busy"),
                _ => (StatusCodes.Status400BadRequest, "Invalid request"),
            },
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Invalid request"),
            _ => (0, ""),
        };
        if (status == 0) return false; // unexpected: the default handler answers 500 without details

        var detail = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                $"The request body is not valid JSON for this endpoint{(json.Path is { } path ? $" (at {path})" : "")}: " +
                "check the field names and types in the API description (/openapi/v1.json).",
            _ => exception.Message,
        };
        httpContext.Response.StatusCode = status;
        if (exception is RequestRejectedException { RetryAfter: { } retryAfter })
            httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
