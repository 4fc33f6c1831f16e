using System.CommandLine;
using DocQa.Benchmarks;

var dataDirectory = new Option<string?>("--data-dir")
{
    Description = "Data directory the benchmark works in (default: a scratch folder; for llm, the configured one)",
    Recursive = true,
};
var root = new RootCommand("DocQa benchmarks: each prints its figures") { dataDirectory };
foreach (var command in BenchCommands.Create(dataDirectory)) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
