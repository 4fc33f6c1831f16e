using System.Net;
using DocQa.Hosting;
using DocQa.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace DocQa.Server.Tests;

/// <summary>The safe default: without keys the server serves loopback only, unless told otherwise on purpose.</summary>
public sealed class StartupSafetyTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://127.0.0.2:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://192.168.1.20:5080", false)]
    [InlineData("http://docqa.example:5080", false)]
    public void Only_loopback_addresses_count_as_loopback(string url, bool loopback) =>
        Assert.Equal(loopback, LoopbackGuard.IsLoopback(url));

    [Fact]
    public void Without_Urls_the_http_ports_setting_binds_every_interface()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["HTTP_PORTS"] = "8080" }).Build();
        Assert.Equal(["http://*:8080"], LoopbackGuard.ConfiguredUrls(configuration));
    }

    [Theory]
    [InlineData(null, null, "http://127.0.0.1:5080")]
    [InlineData("urls", "http://127.0.0.1:5292", "http://127.0.0.1:5292")]
    [InlineData("http_ports", "8080", null)]
    [InlineData("Kestrel:Endpoints:web:Url", "http://127.0.0.1:5293", null)]
    public void The_default_address_applies_only_when_none_is_configured(string? key, string? value, string? urls)
    {
        // Environment variables (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS) arrive as these keys; only the given one is kept.
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(key is null ? [] : [new(key, value)]);

        builder.ListenOnLoopbackByDefault();

        Assert.Equal(urls, builder.Configuration["urls"]);
    }

    private static DocQaServerFactory FactoryWith(params (string Key, string Value)[] settings)
    {
        var factory = new DocQaServerFactory();
        factory.Configure = builder =>
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        };
        return factory;
    }

    [Fact]
    public void Without_keys_a_non_loopback_address_is_refused_with_the_way_out()
    {
        // In process the refusal is checked directly; DocQa.Cli.Tests starts the real server on 0.0.0.0 and sees it exit.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:5080;http://0.0.0.0:5080",
        }).Build();
        var refusal = Assert.Throws<UnsafeExposureException>(() => LoopbackGuard.EnsureSafe(new AuthOptions(), LoopbackGuard.ConfiguredUrls(configuration)));
        Assert.Contains("will not listen on http://0.0.0.0:5080 without API keys", refusal.Message);
        Assert.DoesNotContain("127.0.0.1:5080,", refusal.Message);
        Assert.Contains("Auth:AllowAnonymous", refusal.Message);
        Assert.Contains("docqa keys create", refusal.Message);

        LoopbackGuard.EnsureSafe(new AuthOptions { AllowAnonymous = true }, LoopbackGuard.ConfiguredUrls(configuration));
        LoopbackGuard.EnsureSafe(new AuthOptions(), ["http://127.0.0.1:5080", "http://localhost:5081"]);
    }

    [Fact]
    public async Task AllowAnonymous_or_a_key_lets_it_serve_beyond_loopback()
    {
        using (var anonymous = FactoryWith(("urls", "http://0.0.0.0:5080"), ("Auth:AllowAnonymous", "true")))
            Assert.Equal(HttpStatusCode.OK, (await anonymous.CreateClient().GetAsync("/v1/indexes")).StatusCode);

        using var keyed = FactoryWith(("urls", "http://0.0.0.0:5080"),
            ("Auth:Keys:0:Name", "ops"), ("Auth:Keys:0:Hash", ApiKeys.Hash("k")), ("Auth:Keys:0:Role", "admin"), ("Auth:Keys:0:Indexes:0", "*"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await keyed.CreateClient().GetAsync("/v1/indexes")).StatusCode);
    }

    [Fact]
    public void A_malformed_key_entry_stops_the_start_naming_it()
    {
        using var factory = FactoryWith(("Auth:Keys:0:Name", "ops"), ("Auth:Keys:0:Hash", "not-a-hash"), ("Auth:Keys:0:Indexes:0", "Bad Name"));
        var refusal = Assert.ThrowsAny<Exception>(() => factory.CreateClient()).ToString();
        Assert.Contains("Auth:Keys:0:Hash", refusal);
        Assert.Contains("'Bad Name'", refusal);
    }
}
