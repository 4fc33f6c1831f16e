using System.Text.RegularExpressions;
using DocQa.Core.Answering;
using DocQa.Core.Retrieval;

namespace DocQa.Core.Tests;

public class ExtractiveAnswererTests
{
    private static List<Passage> Passages(params string[] texts) =>
        texts.Select((t, i) => new Passage($"c{i}", $"d{i}", $"file{i}.pdf", i, 10 + i, 11 + i, null, t, 1.0 - i * 0.1)).ToList();

    private static readonly List<Passage> Company = Passages(
        "Contoso Ltd. designs industrial pumps for water utilities. Its headquarters are in Oslo, Norway. The company employs 1,200 people across four countries.",
        "Contoso was founded in 1998 by two marine engineers. The founders previously worked at a shipyard. Growth accelerated after 2010.",
        "The pump division reported record orders. Service revenue grew steadily.");

    /// <summary>Every [n] marker names a citation marked as referenced, and every referenced citation has a marker.</summary>
    private static void AssertMarkersMatchCitations(Answer answer)
    {
        var markers = Regex.Matches(answer.Text, @"\[(\d+)\]").Select(m => int.Parse(m.Groups[1].Value)).ToHashSet();
        Assert.Equal(markers.Order(), answer.Citations.Where(c => c.Referenced).Select(c => c.N).Order());
    }

    [Fact]
    public async Task Picks_the_sentence_holding_the_answer_and_cites_its_passage()
    {
        var embedder = new HashEmbedder();

        var answer = await new ExtractiveAnswerer(embedder).AnswerAsync("When was Contoso founded?", Company);

        Assert.False(answer.NoAnswer);
        Assert.Null(answer.NoAnswerReason);
        Assert.Equal(AnswerModes.Extractive, answer.Mode);
        Assert.Equal("Contoso was founded in 1998 by two marine engineers. [2]", answer.Text);
        Assert.Equal([1, 2, 3], answer.Citations.Select(c => c.N));
        Assert.Equal([false, true, false], answer.Citations.Select(c => c.Referenced));
        var cited = answer.Citations[1];
        Assert.Equal(("d1", "file1.pdf", 11, 12, Company[1].Text, Company[1].Score),
            (cited.DocumentId, cited.FileName, cited.Page, cited.PageEnd, cited.Text, cited.Score));
        Assert.Equal(1, embedder.Calls);
        AssertMarkersMatchCitations(answer);
    }

    [Fact]
    public async Task Picks_the_table_row_holding_the_answer()
    {
        var passages = Passages(
            "Net sales by category are shown below.",
            "Category | 2023 | 2022\nTotal net sales | $ 81,797 | $ 82,959\nCost of sales | 45,384 | 46,387\nGross margin | 36,413 | 36,572");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("What were total net sales in 2023?", passages);

        Assert.False(answer.NoAnswer);
        Assert.StartsWith("Total net sales | $ 81,797 | $ 82,959 [2]", answer.Text);
        Assert.DoesNotContain("Cost of sales", answer.Text);
        AssertMarkersMatchCitations(answer);
    }

    [Fact]
    public async Task A_quantity_question_prefers_the_row_with_the_figure_over_the_lead_in()
    {
        // The lead-in matches the question as well as the row does; only the row holds the amount.
        var passages = Passages("Net sales for the quarter were as follows (in millions):\nNet sales 81,797 82,959");
        var options = new ExtractiveAnswerOptions { MaxSentences = 1 };
        const string question = "How much were net sales?";

        var answer = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync(question, passages);
        var without = await new ExtractiveAnswerer(new HashEmbedder(), options with { QuantityWeight = 0, LeadInPenalty = 0 })
            .AnswerAsync(question, passages);

        Assert.Equal("Net sales 81,797 82,959 [1]", answer.Text);
        Assert.StartsWith("Net sales for the quarter", without.Text);
    }

    [Fact]
    public async Task Lines_of_a_table_extracted_as_text_are_candidates_of_their_own()
    {
        var passages = Passages("Total net sales $ 81,797 $ 82,959\nCost of sales $ 45,384 $ 46,387\nGross margin $ 36,413 $ 36,572");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("What were total net sales?", passages);

        Assert.Equal("Total net sales $ 81,797 $ 82,959 [1]", answer.Text);
    }

    [Fact]
    public async Task Wrapped_lines_of_prose_are_joined_into_their_sentence()
    {
        var passages = Passages("The plant was built in\nthe city of Austin during 1998 after a long\nsearch. Production began in 2001.");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("Where was the plant built?", passages);

        Assert.Equal("The plant was built in the city of Austin during 1998 after a long search. [1]", answer.Text);
    }

    [Fact]
    public async Task Several_relevant_sentences_are_answered_together_grouped_by_passage()
    {
        var passages = Passages(
            "Revenue in Europe rose 12 percent. Office furniture was replaced in the lobby.",
            "Revenue in Asia rose 9 percent.");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("How much did revenue in Europe and Asia rise?", passages);

        Assert.Equal("Revenue in Europe rose 12 percent. [1] Revenue in Asia rose 9 percent. [2]", answer.Text);
        Assert.All(answer.Citations, c => Assert.True(c.Referenced));
    }

    [Fact]
    public async Task A_sentence_repeated_by_overlapping_passages_is_answered_once_from_the_better_passage()
    {
        var passages = Passages(
            "Dividends of $2 per share were paid in 2023. The warehouse moved to Leeds.",
            "Dividends of $2 per share were paid in 2023. A new auditor was appointed.");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("What dividends per share were paid?", passages);

        Assert.Equal("Dividends of $2 per share were paid in 2023. [1]", answer.Text);
        Assert.Equal([true, false], answer.Citations.Select(c => c.Referenced));
    }

    [Fact]
    public async Task Rare_question_terms_make_a_sentence_relevant_when_its_cosine_is_low()
    {
        const string question = "What does the Zephyr clause say?";
        const string sentence = "The Zephyr clause requires written notice within thirty days after any change of control "
            + "affecting lenders, guarantors, subsidiaries, affiliates, trustees, agents or successors worldwide, "
            + "unless waived beforehand.";
        var passages = Passages("Lenders receive quarterly reports. " + sentence);
        float cosine = HashEmbedder.Embed(question).Zip(HashEmbedder.Embed(sentence), (a, b) => a * b).Sum();
        Assert.True(cosine < 0.30, $"cosine {cosine}");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync(question, passages);
        var strict = await new ExtractiveAnswerer(new HashEmbedder(), new ExtractiveAnswerOptions { MinTermCoverage = 1.01 })
            .AnswerAsync(question, passages);

        Assert.Equal(sentence + " [1]", answer.Text);
        Assert.True(strict.NoAnswer);
    }

    [Fact]
    public async Task An_unrelated_question_gets_no_answer_with_the_reason()
    {
        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("What is the boiling point of mercury?", Company);

        Assert.True(answer.NoAnswer);
        Assert.Equal(ExtractiveAnswerer.NotFoundText, answer.Text);
        var reason = Regex.Match(answer.NoAnswerReason!, @"^the closest sentence in the passages scored (0\.\d\d), below the 0\.30 relevance threshold$");
        Assert.True(reason.Success, answer.NoAnswerReason);
        Assert.True(double.Parse(reason.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 0.30);
        Assert.Equal(3, answer.Citations.Count);
        Assert.DoesNotContain(answer.Citations, c => c.Referenced);
    }

    [Fact]
    public async Task A_raised_threshold_turns_a_weak_match_into_no_answer()
    {
        var options = new ExtractiveAnswerOptions { MinRelevance = 0.95, MinTermCoverage = 1.1 };

        var answer = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync("When was Contoso founded?", Company);

        Assert.True(answer.NoAnswer);
        Assert.Matches(@"^the closest sentence in the passages scored 0\.\d\d, below the 0\.95 relevance threshold$", answer.NoAnswerReason);
    }

    [Fact]
    public async Task No_passages_means_no_answer_without_embedding_anything()
    {
        var embedder = new HashEmbedder();

        var answer = await new ExtractiveAnswerer(embedder).AnswerAsync("When was Contoso founded?", []);

        Assert.True(answer.NoAnswer);
        Assert.Equal("no passages matched the question", answer.NoAnswerReason);
        Assert.Empty(answer.Citations);
        Assert.Equal(0, embedder.Calls);
    }

    [Fact]
    public async Task Candidates_are_capped_and_embedded_in_one_call()
    {
        var embedder = new HashEmbedder();
        var passages = Passages(Enumerable.Range(0, 10)
            .Select(p => string.Join(" ", Enumerable.Range(0, 20).Select(s => $"Passage {p} sentence {s} mentions widget {p * 100 + s}.")))
            .ToArray());

        var answer = await new ExtractiveAnswerer(embedder).AnswerAsync("Which passage mentions widget 205?", passages);

        Assert.Equal(1, embedder.Calls);
        Assert.Equal(81, embedder.LastInputCount);
        Assert.StartsWith("Passage 2 sentence 5 mentions widget 205. [3]", answer.Text);
        AssertMarkersMatchCitations(answer);
    }
}
