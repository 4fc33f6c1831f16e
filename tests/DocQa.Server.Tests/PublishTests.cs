using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using DocQa.Contracts;

namespace DocQa.Server.Tests;

/// <summary>
/// The server as the image ships it: published for linux-x64 alone, with no native library missing, it starts from its
/// publish folder, reports healthy and generates an answer with a GGUF model. Publishing takes minutes, so .ci/run
/// publishes once and names the folder in DOCQA_PUBLISH_DIR; without it this test is skipped.
/// </summary>
public sealed class PublishTests : IDisposable
{
    private static readonly string? Folder = Environment.GetEnvironmentVariable("DOCQA_PUBLISH_DIR");

    /// <summary>Measured at 271 MB for linux-x64 (two embedding models of 88 MB each); every platform's runtimes/ made it 500 MB.</summary>
    private const long MaxPublishBytes = 320L << 20;

    private readonly string _work = Directory.CreateTempSubdirectory("docqa-publish-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [SkippableFact]
    public async Task The_linux_x64_publish_runs_on_its_own_and_generates_answers()
    {
        Skip.If(string.IsNullOrWhiteSpace(Folder), "DOCQA_PUBLISH_DIR is not set: .ci/run publishes the server for linux-x64 and sets it");
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64, "the publish is for linux-x64");
        var folder = Path.GetFullPath(Folder!);

        var runtimes = Path.Combine(folder, "runtimes");
        Assert.All(Directory.Exists(runtimes) ? Directory.GetDirectories(runtimes) : [], platform => Assert.Equal("linux-x64", Path.GetFileName(platform)));
        var size = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(file => new FileInfo(file).Length);
        Assert.InRange(size, 1, MaxPublishBytes);

        var natives = Directory.EnumerateFiles(folder, "*.so", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(path) is var name && (name.StartsWith("libllama", StringComparison.Ordinal)
                || name.StartsWith("libggml", StringComparison.Ordinal) || name.StartsWith("libonnxruntime", StringComparison.Ordinal)))
            .ToList();
        Assert.Contains(natives, path => path.EndsWith("libllama.so", StringComparison.Ordinal));
        Assert.Contains(natives, path => path.EndsWith("libonnxruntime.so", StringComparison.Ordinal));
        foreach (var native in natives) Assert.Equal("", await MissingLibrariesAsync(native));

        var model = Path.Combine(_work, "chat.gguf");
        TinyModel.Write(model, ["▁Hello", "▁world", "!", "<|im_end|>"], loops: false, TinyModel.ChatMlTemplate, "tiny-chat", contextLength: 8192);
        var url = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/");
        var start = ChildProcess.ServerStart(_work,
            [$"--Storage:DataDirectory={Path.Combine(_work, "store")}", "--Ingestion:SeedSamples=false", $"--Llm:ModelPath={model}",
                "--Llm:ContextSize=8192", "--Llm:MaxAnswerTokens=32", "--Llm:Threads=1"],
            Path.Combine(folder, "DocQa.Server.dll"));
        start.Environment["ASPNETCORE_URLS"] = url.ToString();
        using var server = await ChildProcess.StartHealthyAsync(start, url);
        try
        {
            using var client = new HttpClient { BaseAddress = url };
            var upload = await client.UploadAsync("bells", "bells.txt", "The fog bell rings every two minutes when the fog rolls in."u8.ToArray());
            await client.WaitForDocumentAsync("bells", (await upload.ReadAsync<DocumentDto>()).Id);

            var answer = await (await client.PostAsJsonAsync("/v1/indexes/bells/ask", new { question = "How often does the fog bell ring?" })).ReadAsync<AskResponseDto>();

            Assert.Equal("generated", answer.Mode);
            Assert.Equal("Hello world!", answer.Answer);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>ldd's "not found" lines for a library, its own folder searched as the loader searches it for its neighbours.</summary>
    private static async Task<string> MissingLibrariesAsync(string library)
    {
        var start = new ProcessStartInfo("ldd", [library]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["LD_LIBRARY_PATH"] = Path.GetDirectoryName(library);
        using var ldd = Process.Start(start)!;
        var output = await ldd.StandardOutput.ReadToEndAsync();
        await ldd.WaitForExitAsync();
        return string.Join('\n', output.Split('\n').Where(line => line.Contains("not found", StringComparison.Ordinal)).Select(line => $"{Path.GetFileName(library)}: {line.Trim()}"));
    }
}
