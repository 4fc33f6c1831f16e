using System.ComponentModel;
using System.Diagnostics;
using DocQa.Hosting;
using Xunit.Abstractions;

namespace DocQa.Server.Browser.Tests;

/// <summary>The page served at / driven in headless Chromium against the real server on a free loopback port.</summary>
public sealed class WebPageTests(ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _work = Directory.CreateTempSubdirectory("docqa-web-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [SkippableFact]
    public async Task Upload_ask_open_the_cited_page_and_search_in_a_browser()
    {
        var e2e = await RequireBrowserAsync();

        var pdf = Path.Combine(_work, "harbor-report.pdf");
        await File.WriteAllBytesAsync(pdf, TestDocuments.QuarterlyReport());
        var outDir = Path.Combine(AppContext.BaseDirectory, "TestResults", "web");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true); // no screenshot from an earlier run
        var data = Path.Combine(_work, "store");
        Directory.CreateDirectory(data);

        var (server, url) = await ChildProcess.StartServerAsync(data);
        try
        {
            var run = await RunAsync("node", e2e, TimeSpan.FromMinutes(4), "page.spec.mjs", url.ToString(), pdf, outDir);
            output.WriteLine(run.StandardOutput);
            output.WriteLine(run.StandardError);
            Assert.True(run.ExitCode == 0, $"the browser test failed:\n{run.StandardOutput}\n{run.StandardError}");
            Assert.Contains("outside requests: 0", run.StandardOutput);
            Assert.True(File.Exists(Path.Combine(outDir, "docqa-page.png")), "the screenshot was saved");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [SkippableFact]
    public async Task Uploaded_files_never_run_script_in_the_pages_origin_while_it_holds_a_key()
    {
        var e2e = await RequireBrowserAsync();
        var pdf = Path.Combine(_work, "harbor-report.pdf");
        await File.WriteAllBytesAsync(pdf, TestDocuments.QuarterlyReport());
        var outDir = Path.Combine(AppContext.BaseDirectory, "TestResults", "web-files");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        var data = Path.Combine(_work, "store");
        Directory.CreateDirectory(data);

        // A writer on one index uploads; an admin over every index opens.
        var writer = ApiKeys.Generate();
        var admin = ApiKeys.Generate();
        var keys = new (string Name, string Key, string Role, string Index)[] { ("writer-alpha", writer, "writer", "alpha"), ("admin", admin, "admin", "*") };
        var settings = keys.SelectMany((key, i) => new[]
        {
            $"--Auth:Keys:{i}:Name={key.Name}", $"--Auth:Keys:{i}:Hash={ApiKeys.Hash(key.Key)}",
            $"--Auth:Keys:{i}:Role={key.Role}", $"--Auth:Keys:{i}:Indexes:0={key.Index}",
        }).Append("--Limits:RequestsPerMinute=0");

        var (server, url) = await ChildProcess.StartServerAsync(data, settings);
        try
        {
            var run = await RunAsync("node", e2e, TimeSpan.FromMinutes(4), "uploaded-files.spec.mjs", url.ToString(), writer, admin, pdf, outDir);
            output.WriteLine(run.StandardOutput);
            output.WriteLine(run.StandardError);
            Assert.True(run.ExitCode == 0, $"the browser test failed:\n{run.StandardOutput}\n{run.StandardError}");
            Assert.Contains("PASSED", run.StandardOutput);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [SkippableFact]
    public async Task On_a_390_px_phone_Ask_comes_first_the_list_fits_and_nothing_moves_while_it_loads()
    {
        var e2e = await RequireBrowserAsync();
        var outDir = Path.Combine(AppContext.BaseDirectory, "TestResults", "web-phone");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        var data = Path.Combine(_work, "store");
        Directory.CreateDirectory(data);

        var (server, url) = await ChildProcess.StartServerAsync(data);
        try
        {
            var run = await RunAsync("node", e2e, TimeSpan.FromMinutes(3), "phone.spec.mjs", url.ToString(), outDir);
            output.WriteLine(run.StandardOutput);
            output.WriteLine(run.StandardError);
            Assert.True(run.ExitCode == 0, $"the phone test failed:\n{run.StandardOutput}\n{run.StandardError}");
            Assert.Contains("PASSED", run.StandardOutput);
            Assert.True(File.Exists(Path.Combine(outDir, "docqa-phone.png")), "the screenshot was saved");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>The e2e folder, or the test is skipped: it needs Chromium, playwright-core and node.</summary>
    private static async Task<string> RequireBrowserAsync()
    {
        var e2e = FindE2eDirectory();
        Skip.IfNot(File.Exists(Chromium), $"Chromium is not installed at {Chromium} (apt-get install chromium)");
        Skip.If(e2e is null || !Directory.Exists(Path.Combine(e2e, "node_modules", "playwright-core")),
            "playwright-core is not installed (npm ci in tests/DocQa.Server.Browser.Tests/e2e)");
        Skip.IfNot(await NodeIsInstalledAsync(), "node is not on the PATH");
        return e2e!;
    }

    /// <summary>tests/DocQa.Server.Browser.Tests/e2e, found above the test's output folder; node resolves playwright-core from there.</summary>
    private static string? FindE2eDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "e2e");
            if (File.Exists(Path.Combine(candidate, "page.spec.mjs"))) return candidate;
        }
        return null;
    }

    private static async Task<bool> NodeIsInstalledAsync()
    {
        try
        {
            return (await RunAsync("node", ".", TimeSpan.FromSeconds(30), "--version")).ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    private static async Task<ProcessResult> RunAsync(string fileName, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["FORCE_COLOR"] = "0";
        using (var process = Process.Start(start)!)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in {timeout}:\n{await stdout}\n{await stderr}");
            }
            return new ProcessResult(process.ExitCode, await stdout, await stderr);
        }
    }
}
