using System.CommandLine;
using DocQa.Cli.Commands;

namespace DocQa.Cli;

public static class DocQaCli
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("DocQa: answers questions over your documents, with citations down to the page.");
        foreach (var option in CommonOptions.Global) root.Options.Add(option);
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(QueryCommands.CreateSearch());
        root.Subcommands.Add(QueryCommands.CreateAsk());
        root.Subcommands.Add(DocsCommand.Create());
        root.Subcommands.Add(IndexesCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(BackupCommands.CreateBackup());
        root.Subcommands.Add(BackupCommands.CreateRestore());
        return root;
    }

    public static Task<int> Main(string[] args)
    {
        CliOutput.UnwrapWhenRedirected();
        return CreateRootCommand().Parse(args).InvokeAsync();
    }
}
