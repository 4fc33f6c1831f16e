using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace DocQa.Hosting.Models;

/// <summary>What a download ended with.</summary>
/// <param name="Path">The complete, verified file.</param>
/// <param name="SizeBytes">Its size.</param>
/// <param name="Sha256">Its SHA-256 as lowercase hex.</param>
/// <param name="AlreadyPresent">True when the file was already there and nothing was downloaded.</param>
/// <param name="ResumedFrom">Bytes that came from an earlier, interrupted download (0 for a fresh one).</param>
public sealed record ModelDownloadResult(string Path, long SizeBytes, string Sha256, bool AlreadyPresent, long ResumedFrom);

/// <summary>A download that failed in a way worth one readable line: network trouble, a wrong hash, an unexpected answer.</summary>
/// <remarks>An <see cref="IOException"/>, so callers that already report I/O failures report these too.</remarks>
public sealed class ModelDownloadException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// Downloads large files into "&lt;target&gt;.partial", resumes an interrupted download with an HTTP Range request,
/// checks the SHA-256 and only then renames the file into place, so a file at the target path is always complete.
/// </summary>
public sealed class ModelDownloader(HttpClient http)
{
    public const string PartialSuffix = ".partial";

    private const int BufferSize = 1 << 20;

    /// <summary>How long the server may send nothing before the download counts as interrupted.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(1);

    public async Task<ModelDownloadResult> DownloadAsync(Uri url, string targetPath, string? expectedSha256, long? expectedSize,
        IProgress<(long Received, long? Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var expectedHash = NormalizeSha256(expectedSha256);
        targetPath = Path.GetFullPath(targetPath);

        if (File.Exists(targetPath))
            return await CheckExistingAsync(targetPath, expectedHash, expectedSize, cancellationToken);

        Directory.CreateDirectory(Path.GetDirectoryName(targetPath)!);
        var partialPath = targetPath + PartialSuffix;
        var resuming = File.Exists(partialPath);
        Fetched fetched;
        try
        {
            // One exclusive handle for hashing what is there and appending the rest; a second download of the same file fails fast.
            await using var partial = new FileStream(partialPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true);
            fetched = await FetchAsync(url, partial, expectedSize, progress, cancellationToken);
        }
        catch
        {
            // Keep what a resume can use, but not an empty file left by a request that never got going.
            if (!resuming && File.Exists(partialPath) && new FileInfo(partialPath).Length == 0) File.Delete(partialPath);
            throw;
        }

        if (expectedSize is long size && fetched.Length != size)
        {
            File.Delete(partialPath);
            throw new ModelDownloadException($"size mismatch for {url}: expected {size} bytes, got {fetched.Length}; the download was removed");
        }
        if (expectedHash is not null && fetched.Sha256 != expectedHash)
        {
            File.Delete(partialPath);
            throw new ModelDownloadException($"SHA-256 mismatch for {url}: expected {expectedHash}, got {fetched.Sha256}; the download was removed");
        }

        // A rename within one folder is atomic: readers see either no file or the whole verified one.
        File.Move(partialPath, targetPath, overwrite: true);
        return new ModelDownloadResult(targetPath, fetched.Length, fetched.Sha256, AlreadyPresent: false, fetched.ResumedFrom);
    }

    /// <summary>Lowercase hex, or null for null/blank; throws for anything that is not 64 hex digits.</summary>
    public static string? NormalizeSha256(string? hex)
    {
        if (string.IsNullOrWhiteSpace(hex)) return null;
        hex = hex.Trim().ToLowerInvariant();
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            throw new ArgumentException($"a SHA-256 is 64 hexadecimal digits, not '{hex}'");
        return hex;
    }

    public static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
    }

    private static async Task<ModelDownloadResult> CheckExistingAsync(string path, string? expectedHash, long? expectedSize, CancellationToken cancellationToken)
    {
        // A file that does not match is reported, not overwritten: it may be something the user put there on purpose.
        var length = new FileInfo(path).Length;
        if (expectedSize is long size && length != size)
            throw new ModelDownloadException($"{path} already exists but has {length} bytes, not {size}; delete it to download again");
        var actual = await HashFileAsync(path, cancellationToken);
        if (expectedHash is not null && actual != expectedHash)
            throw new ModelDownloadException($"{path} already exists but its SHA-256 is {actual}, not {expectedHash}; delete it to download again");
        return new ModelDownloadResult(path, length, actual, AlreadyPresent: true, ResumedFrom: 0);
    }

    private readonly record struct Fetched(long Length, string Sha256, long ResumedFrom);

    private async Task<Fetched> FetchAsync(Uri url, FileStream partial, long? expectedSize, IProgress<(long Received, long? Total)>? progress,
        CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var existing = partial.Length;
        if (expectedSize is long size && existing > size)
            existing = Restart(partial, hash); // longer than the real file: not a prefix of it

        // The bytes already on disk are hashed once here; the rest is hashed as it arrives, so the file is never read twice.
        if (existing > 0) await HashPrefixAsync(partial, existing, hash, cancellationToken);
        if (existing > 0 && existing == expectedSize)
        {
            progress?.Report((existing, existing));
            return new Fetched(existing, Convert.ToHexStringLower(hash.GetCurrentHash()), existing);
        }

        // A 416 or a 206 for the wrong range means the partial file cannot be continued: start from zero, but only once.
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (existing > 0) request.Headers.Range = new RangeHeaderValue(existing, null);
            using var response = await SendAsync(request, existing, cancellationToken);
            var contentRange = response.Content.Headers.ContentRange;

            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
            {
                // The partial file already holds every byte the server has, or more than it has now.
                if (contentRange?.Length == existing)
                {
                    progress?.Report((existing, existing));
                    return new Fetched(existing, Convert.ToHexStringLower(hash.GetCurrentHash()), existing);
                }
                if (attempt > 0) throw Unexpected(url, response);
                existing = Restart(partial, hash);
                continue;
            }
            if (!response.IsSuccessStatusCode) throw Unexpected(url, response);

            long offset;
            long? total;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                if (contentRange?.From != existing)
                {
                    // A range other than the one asked for cannot be appended safely.
                    if (attempt > 0) throw Unexpected(url, response);
                    existing = Restart(partial, hash);
                    continue;
                }
                offset = existing;
                total = contentRange.Length ?? existing + response.Content.Headers.ContentLength;
            }
            else
            {
                // 200 to a range request: the server ignored the range and sends the whole file, so start over.
                if (existing > 0) existing = Restart(partial, hash);
                offset = 0;
                total = response.Content.Headers.ContentLength;
            }
            total ??= expectedSize;
            if (expectedSize is long wanted && total is long served && served != wanted)
                throw new ModelDownloadException($"{url} serves {served} bytes but {wanted} were expected; the file may have changed upstream");

            var length = await CopyAsync(url, response, partial, offset, total, hash, progress, cancellationToken);
            return new Fetched(length, Convert.ToHexStringLower(hash.GetCurrentHash()), offset);
        }
    }

    private static long Restart(FileStream partial, IncrementalHash hash)
    {
        partial.SetLength(0);
        hash.GetHashAndReset();
        return 0;
    }

    private static async Task HashPrefixAsync(FileStream partial, long length, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        partial.Position = 0;
        var left = length;
        while (left > 0)
        {
            var read = await partial.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (read == 0) throw new EndOfStreamException($"{partial.Name} became shorter while being read");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, long existing, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (IsNetworkFailure(e, cancellationToken))
        {
            var kept = existing > 0 ? $"; the {existing} bytes downloaded so far are kept for the next try" : "";
            throw new ModelDownloadException($"could not download {request.RequestUri}: {e.Message}{kept}", e);
        }
    }

    private async Task<long> CopyAsync(Uri url, HttpResponseMessage response, FileStream partial, long offset, long? total,
        IncrementalHash hash, IProgress<(long Received, long? Total)>? progress, CancellationToken cancellationToken)
    {
        partial.Position = offset;
        var received = offset;
        progress?.Report((received, total));
        var buffer = new byte[BufferSize];
        // Reading the body is not covered by HttpClient.Timeout, so a silent connection is cut here instead.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var body = await ReadNetworkAsync(() => response.Content.ReadAsStreamAsync(cancellationToken));
        while (true)
        {
            stall.CancelAfter(StallTimeout);
            var read = await ReadNetworkAsync(() => body.ReadAsync(buffer, stall.Token).AsTask());
            if (read == 0) break;
            // Disk errors are not caught: they are not something a resume fixes.
            await partial.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            hash.AppendData(buffer, 0, read);
            received += read;
            progress?.Report((received, total));
        }
        await partial.FlushAsync(cancellationToken);

        // A body that ends cleanly but early (no Content-Length to check against) is still incomplete.
        if (total is long expected && received < expected) throw Interrupted(url, received, total, null);
        return received;

        async Task<T> ReadNetworkAsync<T>(Func<Task<T>> read)
        {
            try
            {
                return await read();
            }
            catch (Exception e) when (IsNetworkFailure(e, cancellationToken))
            {
                await partial.FlushAsync(CancellationToken.None);
                var cause = stall.IsCancellationRequested ? new TimeoutException($"no data for {StallTimeout.TotalSeconds:0.#} s", e) : e;
                throw Interrupted(url, received, total, cause);
            }
        }
    }

    /// <summary>Failures of the connection, which a later resume can get past; the user's own cancellation is not one.</summary>
    private static bool IsNetworkFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static ModelDownloadException Interrupted(Uri url, long received, long? total, Exception? cause)
    {
        var progress = total is long t ? $"{received} of {t} bytes" : $"{received} bytes";
        var why = cause is null ? "the connection closed early" : cause.Message;
        return new ModelDownloadException($"download of {url} interrupted after {progress} ({why}); run it again to resume", cause);
    }

    private static ModelDownloadException Unexpected(Uri url, HttpResponseMessage response) =>
        new($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
}
