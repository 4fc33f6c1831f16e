using System.Security.Cryptography;
using DocQa.Hosting.Models;

namespace DocQa.Hosting.Tests;

public sealed class ModelDownloaderTests : IDisposable
{
    private const int FileSize = 300 * 1024;

    private readonly string _work = Directory.CreateTempSubdirectory("docqa-models-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        _http.Dispose();
        _timeout.Dispose();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private string Target => Path.Combine(_work, "models", "model.gguf");

    private string Partial => Target + ModelDownloader.PartialSuffix;

    private static byte[] SampleBytes(int seed = 7)
    {
        var bytes = new byte[FileSize];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private Task<ModelDownloadResult> DownloadAsync(LoopbackFileServer server, string? sha256, long? size,
        IProgress<(long, long?)>? progress = null, ModelDownloader? downloader = null) =>
        (downloader ?? new ModelDownloader(_http)).DownloadAsync(server.Url, Target, sha256, size, progress, _timeout.Token);

    /// <summary>Records every report synchronously, in order (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class Recorder : IProgress<(long Received, long? Total)>
    {
        public List<(long Received, long? Total)> Reports { get; } = [];
        public void Report((long Received, long? Total) value) => Reports.Add(value);
    }

    [Fact]
    public async Task Full_download_is_verified_and_renamed_into_place()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        var progress = new Recorder();

        var result = await DownloadAsync(server, Sha256Of(server.Content), server.Content.Length, progress);

        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Target));
        Assert.False(File.Exists(Partial));
        Assert.Equal(Target, result.Path);
        Assert.Equal(Sha256Of(server.Content), result.Sha256);
        Assert.False(result.AlreadyPresent);
        Assert.Equal(0, result.ResumedFrom);
        var request = Assert.Single(server.Requests);
        Assert.Null(request.Range);
        Assert.Equal((FileSize, (long?)FileSize), progress.Reports[^1]);
        Assert.True(progress.Reports.Count >= 2, "progress starts at 0 and reports as bytes arrive");
    }

    [Fact]
    public async Task Cut_connection_keeps_the_partial_file_and_the_next_call_resumes_with_a_range()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        server.CutFirstResponseAfter = 100_000;

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => DownloadAsync(server, Sha256Of(server.Content), server.Content.Length));
        Assert.Contains("interrupted", error.Message);
        Assert.False(File.Exists(Target));
        var kept = new FileInfo(Partial).Length;
        Assert.InRange(kept, 1, 100_000);
        Assert.Equal(server.Content[..(int)kept], await File.ReadAllBytesAsync(Partial));

        var result = await DownloadAsync(server, Sha256Of(server.Content), server.Content.Length);

        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Target));
        Assert.False(File.Exists(Partial));
        Assert.Equal(kept, result.ResumedFrom);
        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Null(requests[0].Range);
        Assert.Equal($"bytes={kept}-", requests[1].Range);
        Assert.Equal(206, requests[1].Status);
    }

    [Fact]
    public async Task Resume_without_known_hash_or_size_still_produces_identical_bytes()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        server.CutFirstResponseAfter = 150_000;
        await Assert.ThrowsAsync<ModelDownloadException>(() => DownloadAsync(server, null, null));

        var result = await DownloadAsync(server, null, null);

        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Target));
        Assert.Equal(Sha256Of(server.Content), result.Sha256); // the prefix on disk was hashed together with the resumed bytes
        Assert.True(result.ResumedFrom > 0);
    }

    [Theory]
    [InlineData(50_000)]
    [InlineData(FileSize + 10_000)] // longer than the file: restarting must also drop the tail
    public async Task Server_that_ignores_range_makes_the_download_start_over(int partialLength)
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        server.IgnoreRange = true;
        // Bytes that are not a prefix of the file: appending the full body to them would corrupt it.
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        var garbage = new byte[partialLength];
        new Random(99).NextBytes(garbage);
        await File.WriteAllBytesAsync(Partial, garbage);

        // No expected size, so only the server's answer can tell the downloader to start over.
        var result = await DownloadAsync(server, Sha256Of(server.Content), null);

        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Target));
        Assert.Equal(0, result.ResumedFrom);
        var request = Assert.Single(server.Requests);
        Assert.Equal($"bytes={partialLength}-", request.Range);
        Assert.Equal(200, request.Status);
    }

    [Fact]
    public async Task Hash_mismatch_throws_and_removes_the_download()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        var wrong = Sha256Of(SampleBytes(seed: 1));

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => DownloadAsync(server, wrong.ToUpperInvariant(), null));

        Assert.Contains("SHA-256 mismatch", error.Message);
        Assert.Contains($"expected {wrong}", error.Message);
        Assert.Contains($"got {Sha256Of(server.Content)}", error.Message);
        Assert.False(File.Exists(Partial));
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public async Task File_already_present_with_the_right_hash_is_not_downloaded()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
        await File.WriteAllBytesAsync(Target, server.Content);

        var result = await DownloadAsync(server, Sha256Of(server.Content), server.Content.Length);

        Assert.True(result.AlreadyPresent);
        Assert.Equal(Sha256Of(server.Content), result.Sha256);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task File_already_present_with_another_hash_is_reported_and_left_alone()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
        var other = SampleBytes(seed: 3);
        await File.WriteAllBytesAsync(Target, other);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => DownloadAsync(server, Sha256Of(server.Content), null));

        Assert.Contains("already exists", error.Message);
        Assert.Equal(other, await File.ReadAllBytesAsync(Target));
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Complete_partial_file_is_verified_and_renamed_without_a_request()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        await File.WriteAllBytesAsync(Partial, server.Content);

        var result = await DownloadAsync(server, Sha256Of(server.Content), server.Content.Length);

        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Target));
        Assert.False(File.Exists(Partial));
        Assert.Equal(FileSize, result.ResumedFrom);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Complete_partial_file_of_unknown_size_is_finished_by_the_servers_416()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        await File.WriteAllBytesAsync(Partial, server.Content);

        var result = await DownloadAsync(server, Sha256Of(server.Content), null);

        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Target));
        var request = Assert.Single(server.Requests);
        Assert.Equal(416, request.Status);
        Assert.Equal(FileSize, result.SizeBytes);
    }

    [Fact]
    public async Task Stalled_connection_times_out_keeps_the_partial_file_and_resumes()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        server.StallFirstResponseAfter = 64_000;
        var downloader = new ModelDownloader(_http) { StallTimeout = TimeSpan.FromMilliseconds(500) };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => DownloadAsync(server, null, null, downloader: downloader));
        Assert.Contains("no data for", error.Message);
        var kept = new FileInfo(Partial).Length;
        Assert.InRange(kept, 1, 64_000);

        var result = await DownloadAsync(server, Sha256Of(server.Content), server.Content.Length, downloader: downloader);

        Assert.Equal(server.Content, await File.ReadAllBytesAsync(Target));
        Assert.Equal(kept, result.ResumedFrom);
    }

    [Fact]
    public async Task Http_error_status_is_a_readable_exception()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());
        var missing = new Uri(server.Url, "/files/missing.gguf");

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            new ModelDownloader(_http).DownloadAsync(missing, Target, null, null, null, _timeout.Token));

        Assert.Equal($"{missing} answered 404 Not Found", error.Message);
        Assert.False(File.Exists(Target));
        Assert.False(File.Exists(Partial)); // no empty leftover from a request that sent nothing
    }

    [Fact]
    public async Task Refused_connection_is_a_readable_exception()
    {
        var closed = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/model.gguf");

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            new ModelDownloader(_http).DownloadAsync(closed, Target, null, null, null, _timeout.Token));

        Assert.StartsWith($"could not download {closed}: ", error.Message);
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public async Task Size_announced_by_the_server_must_match_the_expected_size()
    {
        await using var server = await LoopbackFileServer.StartAsync(SampleBytes());

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => DownloadAsync(server, null, FileSize + 1));

        Assert.Contains($"serves {FileSize} bytes but {FileSize + 1} were expected", error.Message);
        Assert.False(File.Exists(Target));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db")]
    public void Malformed_sha256_is_rejected(string hex) =>
        Assert.Throws<ArgumentException>(() => ModelDownloader.NormalizeSha256(hex));
}
