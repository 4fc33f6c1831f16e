using System.Diagnostics;
using DocQa.Core.Answering.Generation;
using DocQa.Core.Retrieval;
using DocQa.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace DocQa.Benchmarks;

/// <summary>bench llm: time to first token, prompt and generation tokens/s of the configured language model.</summary>
public static class LlmBenchmark
{
    public static async Task<int> RunAsync(string? dataDirectory, int runs, CancellationToken ct)
    {
        await using var services = LocalServices.Build(dataDirectory);
        var model = services.GetService<ILanguageModel>()
            ?? throw new BenchmarkException("no language model is configured: set Llm:ModelPath (see docqa model pull)");
        var generation = services.GetRequiredService<GenerationOptions>();

        // A grounded prompt of realistic shape: three passages and a question, fitted to the window.
        var passages = Enumerable.Range(1, 3).Select(i => new Passage($"bench-{i}", "bench", "bench.txt", i, i, i, null,
            string.Join(' ', Enumerable.Repeat($"Passage {i} says the harbor light was rebuilt in 18{80 + i} after a storm damaged the lantern room.", 6)), 1.0 / i)).ToList();
        var answerTokens = GeneratedAnswerer.AnswerTokens(model, generation);
        var prompt = GroundedPromptBuilder.Build("When was the harbor light rebuilt, and why?", passages, model.CountTokens, model.ContextSize - answerTokens);
        var options = new ChatOptions { MaxOutputTokens = answerTokens, Temperature = generation.Temperature };
        Console.WriteLine($"bench llm: {model.Name}, context {model.ContextSize}, prompt {prompt.Tokens} tokens, up to {answerTokens} answer tokens, {runs} runs");

        for (var run = 1; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            double? firstToken = null;
            long promptTokens = prompt.Tokens, outputTokens = 0;
            await foreach (var update in model.ChatClient.GetStreamingResponseAsync(prompt.Messages, options, ct))
            {
                if (firstToken is null && !string.IsNullOrEmpty(update.Text)) firstToken = clock.Elapsed.TotalSeconds;
                foreach (var usage in update.Contents.OfType<UsageContent>())
                {
                    promptTokens = usage.Details.InputTokenCount ?? promptTokens;
                    outputTokens = usage.Details.OutputTokenCount ?? outputTokens;
                }
            }
            var total = clock.Elapsed.TotalSeconds;
            var ttft = firstToken ?? total;
            var generating = Math.Max(total - ttft, 1e-6);
            Console.WriteLine($"run {run}: time to first token {ttft * 1000:0} ms · prompt {promptTokens / ttft:0.0} tokens/s · " +
                $"generation {Math.Max(outputTokens - 1, 0) / generating:0.0} tokens/s ({outputTokens} tokens) · total {total:0.00} s");
        }
        return 0;
    }
}
