using System.Text.Json;

namespace DocQa.Cli.Tests;

/// <summary>docqa sync on a local data directory: what it prints, and a moved file that is not embedded again.</summary>
public sealed class SyncCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("docqa-cli-sync-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private string PathOf(string relative) => Path.Combine(_work, "docs", relative);

    private void Write(string relative, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(relative))!);
        File.WriteAllText(PathOf(relative), text);
    }

    [Fact]
    public async Task Sync_adds_then_follows_a_move_and_a_deletion_and_says_what_it_did()
    {
        Write("tides.md", "# Tides\n\nHigh tide at Gull Harbor comes at 6:40 in the morning in June.\n");
        Write("crew/keepers.txt", "The lighthouse keeper trims the wicks every Sunday evening.\n");
        var data = Path.Combine(_work, "store");

        var first = await ChildProcess.RunCliAsync(_work, "sync", "docs", "--index", "harbor", "--json", "--data-dir", data);
        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        var summary = JsonDocument.Parse(first.StandardOutput).RootElement;
        Assert.Equal(["crew-keepers-txt", "tides-md"], summary.GetProperty("added").EnumerateArray().Select(e => e.GetString()));
        Assert.True(summary.GetProperty("chunksEmbedded").GetInt32() >= 2);

        Directory.CreateDirectory(PathOf("archive"));
        File.Move(PathOf("crew/keepers.txt"), PathOf("archive/keepers.txt"));
        File.Delete(PathOf("tides.md"));
        var second = await ChildProcess.RunCliAsync(_work, "sync", "docs", "--index", "harbor", "--data-dir", data);

        Assert.True(second.ExitCode == 0, second.StandardOutput + second.StandardError);
        Assert.Contains("moved    archive-keepers-txt (chunks reused)", second.StandardOutput);
        Assert.Contains("removed  crew-keepers-txt", second.StandardOutput);
        Assert.Contains("removed  tides-md", second.StandardOutput);
        Assert.Contains("0 chunks embedded", second.StandardOutput);

        var show = await ChildProcess.RunCliAsync(_work, "docs", "show", "archive-keepers-txt", "--index", "harbor", "--json", "--data-dir", data);
        Assert.Equal(0, show.ExitCode);
        var document = JsonDocument.Parse(show.StandardOutput).RootElement;
        Assert.Equal(PathOf("archive/keepers.txt"), document.GetProperty("sourcePath").GetString());
        Assert.Equal("ready", document.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Sync_of_a_missing_folder_fails_with_one_line()
    {
        var result = await ChildProcess.RunCliAsync(_work, "sync", "no-such-folder", "--data-dir", Path.Combine(_work, "store"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("docqa: 'no-such-folder' is not a folder", result.StandardError.Trim());
    }
}
