using System.Text.Encodings.Web;
using System.Text.Json;
using DocQa.Contracts;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DocQa.Cli.Commands;

/// <summary>
/// Where the CLI writes. Standard output holds only a command's result, so a script can read it: JSON for --json,
/// and tables as plain tab-separated rows when it is not a terminal. Progress and notes go to standard error.
/// </summary>
public static class CliOutput
{
    /// <summary>The API's JSON, indented, without escaping what a terminal or a JSON parser reads as it is (', &gt;, &amp;, non-ASCII letters).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonDefaults.Options)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Progress bars and notes on the way: standard error, which stays a terminal when the result is piped.</summary>
    public static IAnsiConsole Messages { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Text written to a file or a pipe is not wrapped at a terminal's width: a line stays whole.</summary>
    public static void UnwrapWhenRedirected()
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = UnwrappedWidth;
    }

    private const int UnwrappedWidth = 1 << 16;

    public static void PrintJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>A table with borders on a terminal; elsewhere a header row and one tab-separated row per line, every cell whole.</summary>
    public static void Write(Table table)
    {
        if (!Console.IsOutputRedirected)
        {
            AnsiConsole.Write(table);
            return;
        }
        if (table.Title is { } title) Console.Out.WriteLine(PlainText(new Markup(title.Text)));
        Console.Out.WriteLine(Row(table.Columns.Select(column => column.Header)));
        foreach (var row in table.Rows) Console.Out.WriteLine(Row(row));
    }

    private static string Row(IEnumerable<IRenderable> cells) => string.Join('\t', cells.Select(PlainText));

    /// <summary>A cell's text without its markup, on one line.</summary>
    private static string PlainText(IRenderable cell)
    {
        var segments = cell.Render(RenderOptions.Create(AnsiConsole.Console), UnwrappedWidth);
        var text = string.Concat(segments.Where(s => !s.IsControlCode).Select(s => s.IsLineBreak ? " " : s.Text));
        return text.Replace('\t', ' ').Trim();
    }
}
