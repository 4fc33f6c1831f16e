using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using DocQa.Core.Documents;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DocQa.Server.Tests;

/// <summary>
/// Load: concurrent search and ask clients over real HTTP (Kestrel on a loopback port) while documents are
/// uploaded and ingested. Heavy load may slow answers down but never breaks them: no 5xx other than the
/// queue's intended 503 with Retry-After. Prints request counts, status counts and latency percentiles.
/// </summary>
[Trait("Category", "Load")]
public sealed class LoadTests(ITestOutputHelper output)
{
    private const string Index = "load";
    private const int SearchClients = 4;
    private const int AskClients = 3;

    private static readonly string[] Questions =
    [
        "What were total net sales for the quarter?",
        "Why did net sales grow?",
        "What does the company build?",
        "When is the fog bell rung?",
        "Who trims the lamp wicks?",
    ];

    private sealed record Sample(string Operation, int Status, double Milliseconds, bool RetryAfter);

    [Fact]
    public async Task Search_and_ask_under_load_while_ingesting_never_fail()
    {
        var duration = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("DOCQA_LOAD_SECONDS"), out var s) ? s : 10);
        using var factory = new DocQaServerFactory();
        // A small queue cap, so the uploader meets the 503 back-pressure during the run.
        factory.Configure = builder => builder
            .UseSetting("Ingestion:MaxQueuedDocuments", "3")
            .UseSetting("Logging:LogLevel:Default", "Warning"); // a log line per request would cost more than the requests

        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.True(LoopbackAddress(address), address);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        await http.UploadAsync(Index, "report.pdf", TestDocuments.QuarterlyReport());
        await http.UploadAsync(Index, "bells.txt", "The keeper rings the fog bell every two minutes while fog lasts.\n\nThe keeper trims the lamp wicks each Sunday."u8.ToArray());
        foreach (var id in new[] { "report-pdf", "bells-txt" })
            Assert.Equal(DocumentStatus.Ready, (await http.WaitForDocumentAsync(Index, id)).Status);

        var samples = new ConcurrentBag<Sample>();
        var errors = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource(duration);

        async Task RunClientAsync(string operation, Func<int, HttpRequestMessage> request, TimeSpan pause)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    using var response = await http.SendAsync(request(i));
                    await response.Content.LoadIntoBufferAsync();
                    samples.Add(new Sample(operation, (int)response.StatusCode, watch.Elapsed.TotalMilliseconds, response.Headers.RetryAfter is not null));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    errors.Add($"{operation}: {e.Message}");
                }
                if (pause > TimeSpan.Zero) await Task.Delay(pause);
            }
        }

        HttpRequestMessage Search(int i) => new(HttpMethod.Post, $"/v1/indexes/{Index}/search")
        {
            Content = JsonContent.Create(new { query = Questions[i % Questions.Length], top = 5, mode = i % 3 == 0 ? "keyword" : "hybrid" }),
        };
        HttpRequestMessage Ask(int i) => new(HttpMethod.Post, $"/v1/indexes/{Index}/ask")
        {
            Content = JsonContent.Create(new { question = Questions[i % Questions.Length] }),
        };
        var runId = Guid.NewGuid().ToString("N")[..6];
        HttpRequestMessage Upload(int i)
        {
            var text = new StringBuilder($"# Log {i}\n\n");
            for (var line = 0; line < 40; line++)
                text.Append($"Watch {i}.{line}: the keeper noted wind from the north-west, fog at dawn and {line + i} ships passing the point.\n\n");
            var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(text.ToString())), "file", $"log-{runId}-{i}.md" } };
            return new HttpRequestMessage(HttpMethod.Post, $"/v1/indexes/{Index}/documents") { Content = form };
        }

        var clients = Enumerable.Range(0, SearchClients).Select(_ => RunClientAsync("search", Search, TimeSpan.Zero))
            .Concat(Enumerable.Range(0, AskClients).Select(_ => RunClientAsync("ask", Ask, TimeSpan.Zero)))
            .Append(RunClientAsync("upload", Upload, TimeSpan.FromMilliseconds(100)));
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(clients);
        wall.Stop();

        Report(samples.ToList(), errors.ToList(), wall.Elapsed);

        Assert.Empty(errors);
        Assert.DoesNotContain(samples, sample => sample.Status >= 500 && !(sample.Status == 503 && sample.RetryAfter));
        Assert.All(samples.Where(sample => sample.Operation != "upload"), sample => Assert.Equal(200, sample.Status));
        Assert.Contains(samples, sample => sample.Operation == "search");
        Assert.Contains(samples, sample => sample.Operation == "ask");
        Assert.Contains(samples, sample => sample.Operation == "upload" && sample.Status == 202);
    }

    private void Report(IReadOnlyList<Sample> samples, IReadOnlyList<string> errors, TimeSpan wall)
    {
        var lines = new List<string>
        {
            $"load: {samples.Count} requests in {wall.TotalSeconds:0.0} s ({samples.Count / wall.TotalSeconds:0.0}/s), {SearchClients} search + {AskClients} ask clients + 1 uploader, {errors.Count} transport errors",
        };
        foreach (var group in samples.GroupBy(sample => sample.Operation).OrderBy(group => group.Key))
        {
            var latencies = group.Select(sample => sample.Milliseconds).Order().ToArray();
            var statuses = string.Join(", ", group.GroupBy(sample => sample.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
            lines.Add($"load: {group.Key,-6} n={latencies.Length,5}  p50={Percentile(latencies, 50),7:0.0} ms  p95={Percentile(latencies, 95),7:0.0} ms  " +
                $"p99={Percentile(latencies, 99),7:0.0} ms  max={latencies[^1],7:0.0} ms  status {statuses}");
        }
        lines.AddRange(errors.Distinct().Take(5).Select(error => "load: error " + error));
        foreach (var line in lines)
        {
            output.WriteLine(line);
            Console.WriteLine(line); // also on the test host's console, for dotnet test --logger "console;verbosity=normal"
        }
    }

    private static double Percentile(double[] sorted, int percent) =>
        sorted[Math.Clamp((int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static bool LoopbackAddress(string address) => DocQa.Server.Security.LoopbackGuard.IsLoopback(address);
}
