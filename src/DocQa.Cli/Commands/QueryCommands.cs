using System.CommandLine;
using DocQa.Contracts;
using DocQa.Core.Retrieval;
using Spectre.Console;

namespace DocQa.Cli.Commands;

/// <summary>docqa search and docqa ask.</summary>
public static class QueryCommands
{
    private static readonly Option<int> Top = new("--top", "-k") { Description = "How many passages", DefaultValueFactory = _ => 5 };
    private static readonly Option<RetrievalMode> Mode = new("--mode", "-m") { Description = "hybrid, vector or keyword", DefaultValueFactory = _ => RetrievalMode.Hybrid };

    public static Command CreateSearch()
    {
        var query = new Argument<string>("query") { Description = "What to search for" };
        var command = new Command("search", "Find the passages that best match a query") { query, Top, Mode };
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            var response = await backend.SearchAsync(parse.GetValue(CommonOptions.Index)!,
                new SearchRequestDto(parse.GetValue(query), parse.GetValue(Top), parse.GetValue(Mode), null), ct);
            if (parse.GetValue(CommonOptions.Json))
            {
                CommonOptions.PrintJson(response);
                return 0;
            }
            if (response.Results.Count == 0) AnsiConsole.MarkupLine("[grey]No passages found.[/]");
            var rank = 0;
            foreach (var r in response.Results)
            {
                AnsiConsole.MarkupLineInterpolated($"[bold]{++rank}. {r.FileName}[/] [grey]{PageLabel(r.Page, r.PageEnd)} · score {r.Score:0.####}[/]");
                AnsiConsole.WriteLine(Snippet(r.Text));
                AnsiConsole.WriteLine();
            }
            return 0;
        }));
        return command;
    }

    public static Command CreateAsk()
    {
        var question = new Argument<string>("question") { Description = "The question to answer from the documents" };
        var command = new Command("ask", "Answer a question from the documents, with citations") { question, Top, Mode };
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            var request = new AskRequestDto(parse.GetValue(question), parse.GetValue(Top), parse.GetValue(Mode), null);
            if (parse.GetValue(CommonOptions.Json))
            {
                CommonOptions.PrintJson(await backend.AskAsync(parse.GetValue(CommonOptions.Index)!, request, ct));
                return 0;
            }
            // The answer is printed as it streams in.
            var response = await backend.AskStreamingAsync(parse.GetValue(CommonOptions.Index)!, request, Console.Out.Write, ct);
            Console.Out.WriteLine();
            if (response.NoAnswer && response.NoAnswerReason is not null)
                AnsiConsole.MarkupLineInterpolated($"[grey]({response.NoAnswerReason})[/]");
            AnsiConsole.WriteLine();
            foreach (var c in response.Citations.Where(c => c.Referenced || response.NoAnswer))
            {
                AnsiConsole.MarkupLineInterpolated($"[bold][[{c.N}]][/] {c.FileName} [grey]{PageLabel(c.Page, c.PageEnd)}[/]");
                if (c.Referenced && Quoted(c) is { } quote)
                    AnsiConsole.MarkupLineInterpolated($"    [grey]\u201C{quote}\u201D[/]");
            }
            var by = response.Model is null ? "" : $" by {response.Model}";
            AnsiConsole.MarkupLineInterpolated($"[grey]{response.Mode} answer{by} · retrieval {response.Timings.RetrievalMs:0} ms · answer {response.Timings.AnswerMs:0} ms[/]");
            return 0;
        }));
        return command;
    }

    public static string PageLabel(int page, int pageEnd) => pageEnd > page ? $"pages {page}-{pageEnd}" : $"page {page}";

    /// <summary>The line of a citation the answer used, on one line; null when the citation names none.</summary>
    private static string? Quoted(CitationDto citation) =>
        citation.Quote is { } q && q.Start >= 0 && q.End <= citation.Text.Length && q.Start < q.End
            ? Snippet(string.Join(' ', citation.Text[q.Start..q.End].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))
            : null;

    private static string Snippet(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
