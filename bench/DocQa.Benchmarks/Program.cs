using System.CommandLine;

namespace DocQa.Benchmarks;

/// <summary>The benchmarks on their own: dotnet run -c Release --project bench/DocQa.Benchmarks -- query …</summary>
public static class BenchProgram
{
    public static Task<int> Main(string[] args)
    {
        var dataDirectory = new Option<string?>("--data-dir")
        {
            Description = "Data directory the benchmark works in (default: a scratch folder; for llm, the configured one)",
            Recursive = true,
        };
        var root = new RootCommand("DocQa benchmarks: each prints its figures") { dataDirectory };
        foreach (var command in BenchCommands.Create(dataDirectory)) root.Subcommands.Add(command);
        return root.Parse(args).InvokeAsync();
    }
}
