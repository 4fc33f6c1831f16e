using System.Diagnostics;
using System.Text;
using DocQa.Llm.LlamaSharp;
using Microsoft.Extensions.AI;

namespace DocQa.Llm.LlamaSharp.Tests;

[Collection(TinyModelsCollection.Name)]
public sealed class GenerationTests(TinyModelsFixture models)
{
    private static readonly ChatMessage[] Question =
        [new(ChatRole.System, "Answer from the sources."), new(ChatRole.User, "What is the cat doing?")];

    [Fact]
    public async Task Greedy_decoding_gives_the_same_text_every_time()
    {
        var options = new ChatOptions { MaxOutputTokens = 20, Temperature = 0 };

        var first = await models.Looping.ChatClient.GetResponseAsync(Question, options);
        var second = await models.Looping.ChatClient.GetResponseAsync(Question, options);

        Assert.Equal(TinyModel.TextOf(TinyModelsFixture.LoopingChain, 20), first.Text);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(models.Looping.Name, first.ModelId);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_batch_is_evaluated_in_steps_with_the_same_result()
    {
        using var model = LlamaLanguageModel.Load(new LlmOptions { ModelPath = models.LoopingPath, Threads = 1, BatchSize = 8 });
        var options = new ChatOptions { MaxOutputTokens = 12 };

        var stepped = await model.ChatClient.GetResponseAsync(Question, options);
        var whole = await models.Looping.ChatClient.GetResponseAsync(Question, options);

        Assert.True(stepped.Usage!.InputTokenCount > 8 * 4);
        Assert.Equal(whole.Text, stepped.Text);
        Assert.Equal(whole.Usage!.InputTokenCount, stepped.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Sampling_with_a_temperature_follows_a_model_that_is_sure_of_its_next_token()
    {
        // This model puts nearly all probability on one token at each step, so sampling picks it too.
        var response = await models.Looping.ChatClient.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 14, Temperature = 0.8f, Seed = 7 });

        Assert.Equal(TinyModel.TextOf(TinyModelsFixture.LoopingChain, 14), response.Text);
    }

    [Fact]
    public async Task Generation_stops_at_max_output_tokens_when_the_model_does_not_end_its_turn()
    {
        var response = await models.Looping.ChatClient.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 9 });

        Assert.Equal(9, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(" the cat sat café! the cat", response.Text);
    }

    [Fact]
    public async Task Without_a_limit_in_the_request_the_configured_answer_length_applies()
    {
        using var model = TinyModelsFixture.Load(models.LoopingPath, maxAnswerTokens: 5);

        var response = await model.ChatClient.GetResponseAsync(Question);

        Assert.Equal(5, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task The_answer_never_runs_past_the_context_window()
    {
        var response = await models.Looping.ChatClient.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 10_000 });

        Assert.Equal(models.Looping.ContextSize, response.Usage!.InputTokenCount + response.Usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task The_end_of_turn_token_ends_the_answer_and_is_not_shown()
    {
        var response = await models.Chat.ChatClient.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 50 });

        Assert.Equal(" Hello world!", response.Text);
        Assert.Equal(3, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task A_stop_string_written_out_as_text_ends_the_answer_and_is_not_shown()
    {
        var updates = await ToListAsync(models.SpelledStop.ChatClient.GetStreamingResponseAsync(Question, new ChatOptions { MaxOutputTokens = 50 }));

        Assert.Equal(" ok", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal(4, Usage(updates).OutputTokenCount);
    }

    [Fact]
    public async Task Stop_sequences_of_the_request_end_the_answer_too()
    {
        var response = await models.Looping.ChatClient.GetResponseAsync(
            Question, new ChatOptions { MaxOutputTokens = 50, StopSequences = ["", "café"] });

        Assert.Equal(" the cat sat ", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(6, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Streaming_yields_the_text_token_by_token_and_matches_the_whole_response()
    {
        var options = new ChatOptions { MaxOutputTokens = 30 };

        var updates = await ToListAsync(models.Looping.ChatClient.GetStreamingResponseAsync(Question, options));
        var whole = await models.Looping.ChatClient.GetResponseAsync(Question, options);

        var texts = updates.Select(u => u.Text).Where(t => t.Length > 0).ToList();
        var expected = TinyModel.TextOf(TinyModelsFixture.LoopingChain, 30);
        Assert.Equal(expected, string.Concat(texts));
        Assert.Equal(whole.Text, string.Concat(texts));

        // One update per token, except the first byte of each "é", which waits for the second.
        Assert.Equal(30 - 4, texts.Count);
        Assert.Equal(4, texts.Count(t => t == "é"));
        Assert.DoesNotContain(texts, t => t.Contains('\uFFFD'));

        // Usage comes last, counted as the non-streaming response counts it.
        Assert.Empty(updates[..^1].SelectMany(u => u.Contents).OfType<UsageContent>());
        var usage = Usage(updates);
        Assert.Equal(models.Looping.CountTokens(Question), usage.InputTokenCount);
        Assert.Equal(30, usage.OutputTokenCount);
        Assert.Equal(whole.Usage!.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.All(updates, u => Assert.Equal(models.Looping.Name, u.ModelId));
    }

    [Fact]
    public async Task Cancelling_mid_stream_stops_before_the_next_token()
    {
        using var cancellation = new CancellationTokenSource();
        var received = 0;
        var afterCancel = 0;
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in models.Looping.ChatClient.GetStreamingResponseAsync(
                Question, new ChatOptions { MaxOutputTokens = 150 }, cancellation.Token))
            {
                if (cancellation.IsCancellationRequested)
                {
                    afterCancel++;
                }
                else if (++received == 3)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(0, afterCancel);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_request_cancelled_before_it_starts_generates_nothing()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => models.Looping.ChatClient.GetResponseAsync(Question, cancellationToken: cancellation.Token));
    }

    [Fact]
    public async Task Concurrent_requests_each_complete_with_their_own_context()
    {
        ChatMessage[] shortQuestion = [new(ChatRole.User, "Cat?")];
        var longOptions = new ChatOptions { MaxOutputTokens = 60 };
        var shortOptions = new ChatOptions { MaxOutputTokens = 25 };

        var both = await Task.WhenAll(
            models.Looping.ChatClient.GetResponseAsync(Question, longOptions),
            models.Looping.ChatClient.GetResponseAsync(shortQuestion, shortOptions));

        Assert.Equal(TinyModel.TextOf(TinyModelsFixture.LoopingChain, 60), both[0].Text);
        Assert.Equal(TinyModel.TextOf(TinyModelsFixture.LoopingChain, 25), both[1].Text);
        Assert.Equal(models.Looping.CountTokens(Question), both[0].Usage!.InputTokenCount);
        Assert.Equal(models.Looping.CountTokens(shortQuestion), both[1].Usage!.InputTokenCount);
    }

    [Fact]
    public async Task A_prompt_that_fills_the_window_is_refused()
    {
        ChatMessage[] tooLong = [new(ChatRole.User, new string('x', 300))];

        await Assert.ThrowsAsync<ArgumentException>(() => models.Looping.ChatClient.GetResponseAsync(tooLong));
    }

    private static async Task<List<ChatResponseUpdate>> ToListAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var list = new List<ChatResponseUpdate>();
        await foreach (var update in updates)
        {
            list.Add(update);
        }

        return list;
    }

    private static UsageDetails Usage(List<ChatResponseUpdate> updates) =>
        Assert.Single(updates[^1].Contents.OfType<UsageContent>()).Details;
}
