using DocQa.Core.Retrieval;
using DocQa.Embeddings.Onnx;
using Microsoft.Extensions.AI;

namespace DocQa.Embeddings.Onnx.Tests;

/// <summary>snowflake-arctic-embed-xs: [CLS] pooling, and questions embedded with the model's query instruction.</summary>
public sealed class ArcticEmbeddingTests : IDisposable
{
    private readonly OnnxEmbeddingGenerator _generator = new(new OnnxEmbeddingOptions { Model = EmbeddingModel.ArcticXs });

    public void Dispose() => _generator.Dispose();

    [Fact]
    public async Task Reports_its_own_model_and_makes_unit_vectors_of_384_dimensions()
    {
        var embedding = (await _generator.GenerateAsync(["Backups are kept for thirty days."]))[0];

        Assert.Equal("snowflake-arctic-embed-xs", embedding.ModelId);
        Assert.Equal("snowflake-arctic-embed-xs", _generator.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
        Assert.Equal(384, embedding.Vector.Length);
        Assert.Equal(1.0, Vectors.Norm(embedding.Vector.Span), 4);
        Assert.Equal(510, _generator.Tokenizer.MaxTextTokens);
    }

    [Fact]
    public async Task A_question_gets_the_query_instruction_and_a_passage_does_not()
    {
        const string question = "How long are backups kept?";

        var asQuery = (await _generator.EmbedQueryAsync(question)).Vector;
        var asPassage = (await _generator.GenerateAsync([question]))[0].Vector;
        var withInstruction = (await _generator.GenerateAsync([EmbeddingModel.ArcticXs.QueryPrefix + question]))[0].Vector;

        Assert.True(Vectors.Cosine(asQuery.Span, asPassage.Span) < 0.99, "the instruction changes the question's vector");
        Assert.Equal(1.0, Vectors.Cosine(asQuery.Span, withInstruction.Span), 4);
    }

    [Fact]
    public async Task A_question_is_closest_to_the_passage_that_answers_it()
    {
        string[] passages =
        [
            "Backups of the production database are taken every night and kept for thirty days.",
            "The cafeteria serves lunch from noon until two o'clock on weekdays.",
            "Employees may carry over at most five days of unused annual leave.",
        ];
        var question = (await _generator.EmbedQueryAsync("How long are database backups retained?")).Vector;
        var vectors = await _generator.GenerateAsync(passages);

        var scores = vectors.Select(v => Vectors.Cosine(question.Span, v.Vector.Span)).ToList();

        Assert.Equal(0, scores.IndexOf(scores.Max()));
        Assert.True(scores[0] > scores[1] + 0.05 && scores[0] > scores[2] + 0.05, string.Join(", ", scores));
    }

    [Fact]
    public void Models_are_found_by_their_id_or_name_in_any_case()
    {
        Assert.Same(EmbeddingModel.ArcticXs, EmbeddingModel.Find("arctic-embed-xs"));
        Assert.Same(EmbeddingModel.ArcticXs, EmbeddingModel.Find("Snowflake-Arctic-Embed-XS"));
        Assert.Same(EmbeddingModel.MiniLm, EmbeddingModel.Find("all-minilm-l6-v2"));
        Assert.Null(EmbeddingModel.Find("text-embedding-3-small"));
    }
}
