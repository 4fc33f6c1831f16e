namespace DocQa.Server.Security;

/// <summary>Where the server listens when nothing says otherwise: loopback, port 5080.</summary>
public static class DefaultAddress
{
    public const string Url = "http://127.0.0.1:5080";

    /// <summary>
    /// Applies <see cref="Url"/> only when no address is configured the ASP.NET Core ways (ASPNETCORE_URLS, DOTNET_URLS,
    /// ASPNETCORE_HTTP_PORTS / HTTPS_PORTS, --urls, Urls, Kestrel:Endpoints), so any of them overrides it. Kestrel's own
    /// default would be localhost:5000; a setting in appsettings.json would override the environment.
    /// </summary>
    public static WebApplicationBuilder ListenOnLoopbackByDefault(this WebApplicationBuilder builder)
    {
        if (!LoopbackGuard.ConfiguredUrls(builder.Configuration).Any()) builder.WebHost.UseUrls(Url);
        return builder;
    }
}
