using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocQa.Hosting.Tests;

/// <summary>One request as the server saw it.</summary>
public sealed record SeenRequest(string? Range, int Status);

/// <summary>
/// Kestrel on 127.0.0.1 with a random port, serving one file with ASP.NET Core's own Range handling,
/// plus the misbehaviours a downloader has to survive: a connection cut mid-body, a stall, a server that ignores Range.
/// </summary>
public sealed class LoopbackFileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LoopbackFileServer(byte[] content, WebApplication app)
    {
        Content = content;
        _app = app;
    }

    public byte[] Content { get; }

    public Uri Url { get; private set; } = null!;

    /// <summary>On the first request only: send this many bytes of a full 200 response, then drop the connection.</summary>
    public int? CutFirstResponseAfter { get; set; }

    /// <summary>On the first request only: send this many bytes, then send nothing more until the client gives up.</summary>
    public int? StallFirstResponseAfter { get; set; }

    /// <summary>Answer every request with the whole file and 200, as servers without Range support do.</summary>
    public bool IgnoreRange { get; set; }

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public static async Task<LoopbackFileServer> StartAsync(byte[] content)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new LoopbackFileServer(content, app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Url = new Uri(new Uri(address), "/files/model.gguf");
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path != Url.AbsolutePath)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var first = Interlocked.Increment(ref _requests) == 1;
        var range = context.Request.Headers.Range.Count > 0 ? context.Request.Headers.Range.ToString() : null;
        var misbehave = first ? (CutFirstResponseAfter, StallFirstResponseAfter) : (null, null);
        // Recorded as the headers go out, so the record exists before the client can see any of the body.
        context.Response.OnStarting(() =>
        {
            Requests.Enqueue(new SeenRequest(range, context.Response.StatusCode));
            return Task.CompletedTask;
        });

        if (misbehave is (null, null) && !IgnoreRange)
        {
            // The framework's range processing: 206 with Content-Range, 416 past the end, 200 without a Range header.
            await Results.Bytes(Content, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = Content.Length;
        if (misbehave.CutFirstResponseAfter is int cut)
        {
            await context.Response.Body.WriteAsync(Content.AsMemory(0, cut));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        if (misbehave.StallFirstResponseAfter is int stall)
        {
            await context.Response.Body.WriteAsync(Content.AsMemory(0, stall));
            await context.Response.Body.FlushAsync();
            // Hold the connection open without sending; the client hanging up ends the wait.
            try { await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted); } catch (OperationCanceledException) { }
            return;
        }
        await context.Response.Body.WriteAsync(Content);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
