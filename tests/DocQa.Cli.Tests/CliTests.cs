using System.Text.Json;

namespace DocQa.Cli.Tests;

/// <summary>The docqa command line on a local data directory and against a running server.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("docqa-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_work, "docs", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private void WriteSampleFolder()
    {
        WriteFile("tides.md", "# Tides\n\nHigh tide at Gull Harbor comes at 6:40 in the morning in June.\n");
        WriteFile("keepers.txt", "The lighthouse keeper trims the wicks every Sunday evening.\n");
        File.WriteAllBytes(Path.Combine(_work, "docs", "animation.gif"), "GIF89a\u0001\u0000\u0001\u0000"u8.ToArray());
    }

    [Fact]
    public async Task Local_ingest_search_ask_list_and_delete()
    {
        WriteSampleFolder();
        var data = Path.Combine(_work, "store");

        var ingest = await ChildProcess.RunCliAsync(_work, "ingest", "docs", "--data-dir", data, "--tag", "topic:harbor");
        Assert.True(ingest.ExitCode == 0, ingest.StandardOutput + ingest.StandardError);
        Assert.Contains("skipped", ingest.StandardError); // the GIF found in the folder: a note, not the result
        Assert.Contains("ready", ingest.StandardOutput);

        var list = await ChildProcess.RunCliAsync(_work, "docs", "list", "--json", "--data-dir", data);
        Assert.Equal(0, list.ExitCode);
        var documents = JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("documents");
        Assert.Equal(2, documents.GetArrayLength());
        Assert.All(documents.EnumerateArray(), d => Assert.Equal("ready", d.GetProperty("status").GetString()));

        var search = await ChildProcess.RunCliAsync(_work, "search", "when is high tide", "--mode", "hybrid", "--json", "--data-dir", data);
        Assert.Equal(0, search.ExitCode);
        var first = JsonDocument.Parse(search.StandardOutput).RootElement.GetProperty("results")[0];
        Assert.Equal("tides.md", first.GetProperty("fileName").GetString());

        var ask = await ChildProcess.RunCliAsync(_work, "ask", "When does high tide come at Gull Harbor?", "--data-dir", data);
        Assert.Equal(0, ask.ExitCode);
        Assert.Contains("6:40", ask.StandardOutput);
        Assert.Contains("tides.md", ask.StandardOutput);
        // Under its source, the line the answer quoted.
        Assert.Contains(ask.StandardOutput.Split('\n'), line => line.StartsWith("    \u201C") && line.Contains("6:40"));

        var delete = await ChildProcess.RunCliAsync(_work, "docs", "delete", "tides-md", "--data-dir", data);
        Assert.Equal(0, delete.ExitCode);
        var show = await ChildProcess.RunCliAsync(_work, "docs", "show", "tides-md", "--data-dir", data);
        Assert.Equal(1, show.ExitCode);
        Assert.Equal("docqa: Index 'default' has no document 'tides-md'.", show.StandardError.Trim());
    }

    [Fact]
    public async Task Redirected_output_is_the_result_alone_json_unescaped_and_tables_as_whole_tab_separated_rows()
    {
        // An id longer than an 80-column table leaves room for, and a question with ' and >.
        WriteFile("2023-q3-aapl-press-release-financial-data.txt", "Apple's gross margin was > 45 percent in the third quarter of 2023.\n");
        var data = Path.Combine(_work, "store");
        var ingest = await ChildProcess.RunCliAsync(_work, "ingest", "docs", "--data-dir", data, "--json");
        Assert.True(ingest.ExitCode == 0, ingest.StandardError);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(ingest.StandardOutput).RootElement.ValueKind);

        var ask = await ChildProcess.RunCliAsync(_work, "ask", "What was Apple's gross margin?", "--data-dir", data, "--json");
        Assert.True(ask.ExitCode == 0, ask.StandardError);
        Assert.Contains("> 45 percent", JsonDocument.Parse(ask.StandardOutput).RootElement.GetProperty("answer").GetString());
        Assert.DoesNotContain("\\u0027", ask.StandardOutput);
        Assert.DoesNotContain("\\u003E", ask.StandardOutput);
        Assert.Contains("Apple's", ask.StandardOutput);

        var list = await ChildProcess.RunCliAsync(_work, "docs", "list", "--data-dir", data);
        Assert.Equal(0, list.ExitCode);
        var rows = list.StandardOutput.TrimEnd().Split('\n');
        Assert.Equal(["Id", "File", "Status", "Pages", "Chunks", "Updated"], rows[0].Split('\t'));
        var row = Assert.Single(rows[1..]).Split('\t');
        Assert.Equal(["2023-q3-aapl-press-release-financial-data-txt", "2023-q3-aapl-press-release-financial-data.txt", "ready"], row[..3]);
    }

    [Fact]
    public async Task Eval_rows_give_each_passage_its_document_its_page_and_whether_that_page_holds_the_evidence()
    {
        WriteFile("keepers.txt", "The lighthouse keeper trims the wicks every Sunday evening.\n");
        // Three short pages that would fit one chunk: each page is a passage of its own, on that page alone.
        File.WriteAllBytes(Path.Combine(_work, "docs", "harbor-report.pdf"), TestDocuments.QuarterlyReport());
        File.WriteAllText(Path.Combine(_work, "questions.jsonl"),
            """{"id": "sales", "question": "What were total net sales for the quarter?", "answer": "48,213 thousand dollars", "sources": ["*report*"], "pages": [2]}""" + "\n");
        var lines = Path.Combine(_work, "lines.jsonl");

        var eval = await ChildProcess.RunCliAsync(_work, "eval", "--questions", "questions.jsonl", "--docs", "docs", "--mode", "hybrid",
            "--top", "5", "--json", "--out", lines, "--data-dir", Path.Combine(_work, "store"));
        Assert.True(eval.ExitCode == 0, eval.StandardOutput + eval.StandardError);
        Assert.Equal(1.0, JsonDocument.Parse(eval.StandardOutput).RootElement.GetProperty("pageHitAt5").GetDouble());

        var row = JsonDocument.Parse(Assert.Single(File.ReadAllLines(lines))).RootElement;
        Assert.True(row.GetProperty("hits").GetProperty("pageHitAtK").GetBoolean());
        var passages = row.GetProperty("passages").EnumerateArray().ToList();
        var pages = passages.Where(p => p.GetProperty("fileName").GetString() == "harbor-report.pdf")
            .Select(p => (p.GetProperty("page").GetInt32(), p.GetProperty("pageEnd").GetInt32(), p.GetProperty("onGoldPage").GetBoolean()))
            .Order().ToList();
        Assert.Equal([(1, 1, false), (2, 2, true), (3, 3, false)], pages);
        Assert.All(passages, p => Assert.Equal(p.GetProperty("fileName").GetString() == "harbor-report.pdf", p.GetProperty("fromSource").GetBoolean()));
        var onGoldPage = Assert.Single(passages, p => p.GetProperty("onGoldPage").GetBoolean());
        Assert.Equal("harbor-report-pdf", onGoldPage.GetProperty("documentId").GetString());
        Assert.StartsWith("Results of operations.", onGoldPage.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Bad_input_exits_non_zero_with_one_readable_line()
    {
        var data = Path.Combine(_work, "store");

        var missing = await ChildProcess.RunCliAsync(_work, "ingest", "nowhere.pdf", "--data-dir", data);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("docqa: no such file or folder: nowhere.pdf", missing.StandardError.Trim());

        var badIndex = await ChildProcess.RunCliAsync(_work, "search", "x", "--index", "Bad Name", "--data-dir", data);
        Assert.Equal(1, badIndex.ExitCode);
        Assert.Single(badIndex.StandardError.Trim().Split('\n'));
        Assert.Contains("Index name 'Bad Name' is not valid", badIndex.StandardError);

        // Local mode gets the same checks as the REST API, from the services themselves.
        var emptyQuestion = await ChildProcess.RunCliAsync(_work, "ask", "   ", "--data-dir", data);
        Assert.Equal(1, emptyQuestion.ExitCode);
        Assert.Equal("docqa: 'question' is required.", emptyQuestion.StandardError.Trim());

        var tooMany = await ChildProcess.RunCliAsync(_work, "search", "tides", "--top", "51", "--data-dir", data);
        Assert.Equal(1, tooMany.ExitCode);
        Assert.Equal("docqa: 'top' must be between 1 and 50.", tooMany.StandardError.Trim());

        var badServer = await ChildProcess.RunCliAsync(_work, "docs", "list", "--server", "ftp://example");
        Assert.Equal(1, badServer.ExitCode);
        Assert.Contains("--server needs an http(s) URL", badServer.StandardError);
    }

    [Fact]
    public async Task Model_list_shows_the_catalogue_and_an_unknown_model_is_one_readable_line()
    {
        var data = Path.Combine(_work, "store");
        var list = await ChildProcess.RunCliAsync(_work, "model", "list", "--data-dir", data);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("qwen2.5-1.5b", list.StandardOutput);
        Assert.Contains("llama3.2-1b", list.StandardOutput);

        var unknown = await ChildProcess.RunCliAsync(_work, "model", "pull", "no-such-model", "--data-dir", data);
        Assert.Equal(1, unknown.ExitCode);
        var line = Assert.Single(unknown.StandardError.Trim().Split('\n'));
        Assert.StartsWith("docqa: ", line);
        Assert.Contains("qwen2.5-0.5b", line);
    }

    [Fact]
    public async Task Works_against_a_running_server()
    {
        WriteSampleFolder();
        var data = Path.Combine(_work, "server-store");
        Directory.CreateDirectory(data);
        var (server, url) = await ChildProcess.StartServerAsync(data);
        try
        {
            var ingest = await ChildProcess.RunCliAsync(_work, "ingest", Path.Combine("docs", "keepers.txt"), "--server", url.ToString(), "--index", "crew");
            Assert.True(ingest.ExitCode == 0, ingest.StandardOutput + ingest.StandardError);
            Assert.Contains("ready", ingest.StandardOutput);

            var ask = await ChildProcess.RunCliAsync(_work, "ask", "When are the wicks trimmed?", "--server", url.ToString(), "--index", "crew", "--json");
            Assert.Equal(0, ask.ExitCode);
            var answer = JsonDocument.Parse(ask.StandardOutput).RootElement;
            Assert.Contains("Sunday", answer.GetProperty("answer").GetString());
            Assert.Equal("keepers.txt", answer.GetProperty("citations")[0].GetProperty("fileName").GetString());

            var missing = await ChildProcess.RunCliAsync(_work, "docs", "show", "nope", "--server", url.ToString());
            Assert.Equal(1, missing.ExitCode);
            Assert.StartsWith("docqa: 404 Not Found: Index 'default' has no document 'nope'.", missing.StandardError.Trim());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}
