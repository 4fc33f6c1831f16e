using System.CommandLine;
using System.Text.Json;
using DocQa.Core;
using Microsoft.Extensions.Options;

namespace DocQa.Benchmarks;

/// <summary>A benchmark that cannot run as asked; its message is printed as it is.</summary>
public sealed class BenchmarkException(string message) : Exception(message);

/// <summary>
/// The benchmark commands — ingest, query, llm — for this project's own entry point and for <c>docqa bench</c>.
/// They print figures; speed is checked here, never by timed tests.
/// </summary>
public static class BenchCommands
{
    /// <param name="dataDirectory">The host's data directory option, so that both hosts take the same one.</param>
    public static IReadOnlyList<Command> Create(Option<string?> dataDirectory) =>
        [Ingest(dataDirectory), Query(dataDirectory), Llm(dataDirectory)];

    private static Command Ingest(Option<string?> dataDirectory)
    {
        var folder = new Argument<string>("folder") { Description = "Folder of documents to ingest" };
        var command = new Command("ingest", "Ingest a folder into fresh stores with float32 and int8 embeddings; print chunks/s of each, where the time goes, and the cosine between their vectors") { folder };
        command.SetAction((parse, ct) => RunAsync(ct, () =>
            IngestBenchmark.RunAsync(parse.GetValue(folder)!, parse.GetValue(dataDirectory), ct)));
        return command;
    }

    private static Command Query(Option<string?> dataDirectory)
    {
        var chunks = Positive(new Option<int>("--chunks") { Description = "Chunks in the benchmark store", DefaultValueFactory = _ => 100_000 });
        var folder = new Option<string>("--folder")
        {
            Description = "Documents whose chunks are repeated, with small changes, to fill the store",
            DefaultValueFactory = _ => Path.Combine("data", "samples"),
        };
        var questions = new Option<string?>("--questions")
        {
            Description = "File of query texts: JSON lines with a \"question\" field, or one query a line (default: sentences of the chunks)",
        };
        var queries = Positive(new Option<int>("--queries") { Description = "Queries to time in each mode", DefaultValueFactory = _ => 200 });
        var p95Target = new Option<double?>("--target-p95-ms")
        {
            Description = $"Target for the p95 of hybrid search with embedding (default: {QueryTargets.P95MsUpTo100k} ms up to 100k chunks, {QueryTargets.P95MsAbove100k} ms above)",
        };
        var recallTarget = new Option<double>("--target-recall")
        {
            Description = "Target for the recall@10 of the int8 vectors", DefaultValueFactory = _ => QueryTargets.DefaultRecall,
        };
        var memoryTarget = new Option<double>("--target-memory-gb")
        {
            Description = "Target for the peak working set, in GB (10^9 bytes)", DefaultValueFactory = _ => QueryTargets.DefaultPeakMemoryGb,
        };
        var restartTarget = new Option<double>("--target-restart-s")
        {
            Description = "Target for a second open of the store (from its checkpoint) to answer its first query, in seconds",
            DefaultValueFactory = _ => QueryTargets.DefaultRestartSeconds,
        };
        var command = new Command("query", "Build (or reuse) a store of N chunks and time in-process search: time to the first answer after a restart (without and with the checkpoint), latency by mode, queries/s, recall of the int8 vectors, peak memory")
        {
            chunks, folder, questions, queries, p95Target, recallTarget, memoryTarget, restartTarget,
        };
        command.SetAction((parse, ct) => RunAsync(ct, () =>
        {
            var chunkCount = parse.GetValue(chunks);
            var targets = new QueryTargets(parse.GetValue(p95Target) ?? QueryTargets.DefaultP95Ms(chunkCount), parse.GetValue(recallTarget), parse.GetValue(memoryTarget),
                parse.GetValue(restartTarget));
            return QueryBenchmark.RunAsync(new QueryBenchmarkSettings(chunkCount, parse.GetValue(folder)!, parse.GetValue(questions), parse.GetValue(queries), targets),
                parse.GetValue(dataDirectory), ct);
        }));
        return command;
    }

    private static Command Llm(Option<string?> dataDirectory)
    {
        var runs = Positive(new Option<int>("--runs") { Description = "Answers to generate", DefaultValueFactory = _ => 3 });
        var command = new Command("llm", "Measure the configured language model: time to first token, prompt and generation tokens/s") { runs };
        command.SetAction((parse, ct) => RunAsync(ct, () => LlmBenchmark.RunAsync(parse.GetValue(dataDirectory), parse.GetValue(runs), ct)));
        return command;
    }

    private static Option<int> Positive(Option<int> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0) result.AddError($"{option.Name} must be positive");
        });
        return option;
    }

    /// <summary>The failures a run can meet print one line to stderr and exit 1.</summary>
    private static async Task<int> RunAsync(CancellationToken cancellationToken, Func<Task<int>> benchmark)
    {
        try
        {
            return await benchmark();
        }
        catch (Exception e) when (e is BenchmarkException or RequestRejectedException or OptionsValidationException or JsonException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"docqa bench: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("docqa bench: cancelled");
            return 130;
        }
    }
}
