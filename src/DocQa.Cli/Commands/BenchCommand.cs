using System.CommandLine;
using DocQa.Benchmarks;

namespace DocQa.Cli.Commands;

/// <summary>docqa bench …: the benchmarks of bench/DocQa.Benchmarks, on the CLI's data directory option.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure speed");
        foreach (var command in BenchCommands.Create(CommonOptions.DataDirectory)) bench.Subcommands.Add(command);
        return bench;
    }
}
