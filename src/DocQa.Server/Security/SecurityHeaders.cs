using Microsoft.Net.Http.Headers;

namespace DocQa.Server.Security;

/// <summary>
/// Browser hardening headers on every response: a Content-Security-Policy, never framed, no Referer, no content sniffing.
/// A response that set its own policy (an uploaded file's) keeps it.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The page and the API: scripts, styles and requests from this server only; nothing inline, no plugins, never
    /// framed. Images may also be data: URLs (the page's empty icon is one).
    /// </summary>
    public const string DefaultPolicy =
        "default-src 'self'; script-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>
    /// The API reference at /scalar starts itself with an inline script and styles itself inline. It shows the
    /// server's own API description only, never an uploaded file. Its requests still go to this server alone (it is
    /// set to use the system's fonts rather than fetch web fonts).
    /// </summary>
    public const string ApiReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>
    /// An uploaded file, as served by /v1/indexes/{index}/documents/{id}/file: a sandbox with an opaque origin where no
    /// script runs and nothing loads. Chromium's and Firefox's PDF viewers still show a PDF under it, at #page=N too:
    /// each is the browser's own and loads nothing on the document's behalf.
    /// </summary>
    public const string UploadedFilePolicy = "sandbox; default-src 'none'; frame-ancestors 'none'";

    private static readonly PathString ApiReference = "/scalar";

    /// <summary>First in the pipeline, so that error pages and problem responses carry the headers too.</summary>
    public static WebApplication UseDocQaSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            // Set as the response starts: an exception handler clears the headers of the response it replaces.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (!headers.ContainsKey(HeaderNames.ContentSecurityPolicy))
                    headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(ApiReference) ? ApiReferencePolicy : DefaultPolicy;
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
