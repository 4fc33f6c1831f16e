using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace DocQa.Server.Tests;

/// <summary>Refused requests are limited: past Limits:FailedAuthPerMinute, 429 with Retry-After.</summary>
public sealed class FailedAuthThrottleTests : IDisposable
{
    private const int Limit = 5;
    private readonly SecuredServerFactory _factory = new()
    {
        Configure = builder => builder.UseSetting("Limits:FailedAuthPerMinute", Limit.ToString()),
    };

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Wrong_keys_and_missing_keys_are_throttled_per_address_but_a_valid_key_is_not()
    {
        var wrong = _factory.ClientWith("dqa_not-a-key");
        var anonymous = _factory.ClientWith(null);
        for (var i = 0; i < Limit; i++)
        {
            var client = i % 2 == 0 ? wrong : anonymous;
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/indexes")).StatusCode);
        }

        foreach (var client in new[] { wrong, anonymous })
        {
            var refused = await client.GetAsync($"/v1/indexes/{SecuredServerFactory.IndexA}/documents");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is set");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        // A valid key from the same address goes on working, and so does the health check.
        Assert.Equal(HttpStatusCode.OK, (await _factory.ClientWith(_factory.ReaderA).GetAsync("/v1/indexes")).StatusCode);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await anonymous.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_valid_key_probing_other_indexes_is_throttled_on_its_own()
    {
        var reader = _factory.ClientWith(_factory.ReaderA);
        for (var i = 0; i < Limit; i++)
            Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync($"/v1/indexes/{SecuredServerFactory.IndexB}/documents")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await reader.GetAsync($"/v1/indexes/{SecuredServerFactory.IndexA}/documents")).StatusCode);

        // Another key from the same address is not held back by it.
        Assert.Equal(HttpStatusCode.OK, (await _factory.ClientWith(_factory.ReaderB).GetAsync($"/v1/indexes/{SecuredServerFactory.IndexB}/documents")).StatusCode);
    }
}
