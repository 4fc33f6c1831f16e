using System.Text.RegularExpressions;
using DocQa.Core.Answering;
using DocQa.Core.Retrieval;
using Microsoft.Extensions.AI;

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
        Assert.Equal(2, embedder.Calls);
        AssertMarkersMatchCitations(answer);
    }

    [Fact]
    public async Task A_question_of_two_parts_gets_a_sentence_for_each_part()
    {
        var passages = Passages(
            "Contoso revenue in 2023 was 120 million. Revenue in 2022 was 95 million. Revenue grew in every region.",
            "The financial statements were audited by Fabrikam LLP. The board met four times.");

        var whole = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("What was Contoso revenue in 2023?", passages);
        var both = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync(
            "What was Contoso revenue in 2023, and who audited the financial statements?", passages);

        Assert.Contains("120 million", whole.Text);
        Assert.DoesNotContain("Fabrikam", whole.Text);
        Assert.Contains("120 million", both.Text);
        Assert.Contains("audited by Fabrikam LLP. [2]", both.Text);
        AssertMarkersMatchCitations(both);
    }

    [Fact]
    public async Task A_question_across_periods_gets_one_statement_from_each_document()
    {
        var passages = Passages(
            "Parental leave is 20 weeks of paid leave. Parental leave can be split into two blocks.",
            "Parental leave is 16 weeks of paid leave. Requests go to HR.",
            "Parental leave is 12 weeks of paid leave. Managers approve the dates.");

        var across = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("How has paid parental leave changed over the years?", passages);

        Assert.Equal("Parental leave is 20 weeks of paid leave. [1] Parental leave is 16 weeks of paid leave. [2] Parental leave is 12 weeks of paid leave. [3]", across.Text);
        Assert.Equal([true, true, true], across.Citations.Select(c => c.Referenced));
        Assert.DoesNotContain("split", across.Text);
        AssertMarkersMatchCitations(across);
    }

    [Fact]
    public async Task A_question_about_one_quarter_is_not_answered_from_another_quarter()
    {
        var passages = Passages(
            "Revenue for the third quarter of fiscal year 2024 was $18.12 billion, up 206% from a year ago.",
            "First Quarter of Fiscal Year 2024 Summary\nRevenue $ 7,192 $ 6,051 $ 8,288 19 % (13)%\nGross margin 64.6 % 63.3 % 65.5 %");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("What was revenue for the first quarter of fiscal 2024?", passages);

        Assert.StartsWith("Revenue $ 7,192", answer.Text);
        Assert.DoesNotContain("18.12", answer.Text);
    }

    [Fact]
    public async Task A_sentence_cut_mid_way_inside_a_passage_never_opens_an_answer()
    {
        var passages = Passages("Gaming revenue was flat.\ncompared to the second quarter of fiscal year 2023 revenue was up due to higher revenue from GPUs.\n\nRevenue grew 101% to $13.51 billion on higher revenue from GPUs.");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("Why was revenue up compared to the second quarter of fiscal year 2023?", passages);

        Assert.False(answer.NoAnswer);
        Assert.DoesNotContain("compared to the second quarter", answer.Text);
    }

    [Theory]
    [InlineData("STOCK REPURCHASE ACTIVITY")]
    [InlineData("Stock Repurchase Activity")]
    [InlineData("NOTE 7 — STOCK REPURCHASE ACTIVITY")]
    public async Task A_heading_is_no_answer(string heading)
    {
        var passages = Passages($"{heading}\nThe stock repurchase activity of the quarter bought 8.3 million shares for $3.72 billion.");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("What stock repurchase activity was there?", passages);

        Assert.Equal("The stock repurchase activity of the quarter bought 8.3 million shares for $3.72 billion. [1]", answer.Text);
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
        var without = await new ExtractiveAnswerer(new HashEmbedder(), options with { QuantityWeight = 0, LeadInPenalty = 0, LabelWeight = 0 })
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
    public async Task Candidates_are_capped_and_embedded_in_one_call_after_the_question()
    {
        var embedder = new HashEmbedder();
        var passages = Passages(Enumerable.Range(0, 10)
            .Select(p => string.Join(" ", Enumerable.Range(0, 20).Select(s => $"Passage {p} sentence {s} mentions widget {p * 100 + s}.")))
            .ToArray());

        var answer = await new ExtractiveAnswerer(embedder).AnswerAsync("Which passage mentions widget 205?", passages);

        // One call for the question (embedded as a search question), one for all the sentences.
        Assert.Equal(2, embedder.Calls);
        Assert.Equal(80, embedder.LastInputCount);
        Assert.StartsWith("Passage 2 sentence 5 mentions widget 205. [3]", answer.Text);
        AssertMarkersMatchCitations(answer);
    }

    // A statement of operations as the extractors write tables: header rows, a delimiter row, then data rows.
    private const string Statement =
        "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS\n" +
        "(In millions, except per share amounts)\n" +
        "| | Three Months Ended July 1, 2023 | Three Months Ended June 25, 2022 | Nine Months Ended July 1, 2023 | Nine Months Ended June 25, 2022 |\n" +
        "|---|---|---|---|---|\n" +
        "| Net sales: | | | | |\n" +
        "| Products | $ 60,584 | $ 63,355 | $ 230,901 | $ 245,241 |\n" +
        "| Services | 21,213 | 19,604 | 62,886 | 58,941 |\n" +
        "| Total net sales | 81,797 | 82,959 | 293,787 | 304,182 |\n" +
        "| Earnings per share: | | | | |\n" +
        "| Diluted | $ 1.26 | $ 1.20 | $ 4.67 | $ 4.82 |";

    [Theory]
    [InlineData("What were total net sales for the quarter ended July 1, 2023?", "Total net sales, three months ended July 1, 2023: $81,797 million [1]")]
    [InlineData("What were total net sales in the first nine months of 2023?", "Total net sales, nine months ended July 1, 2023: $293,787 million [1]")]
    [InlineData("What were total net sales for the three months ended June 25, 2022?", "Total net sales, three months ended June 25, 2022: $82,959 million [1]")]
    [InlineData("What were diluted earnings per share for the quarter ended July 1, 2023?", "Diluted (Earnings per share), three months ended July 1, 2023: $1.26 [1]")]
    public async Task A_table_row_is_answered_with_its_label_the_column_the_question_asks_for_and_the_value(string question, string expected)
    {
        var passages = Passages(Statement);

        var answer = await new ExtractiveAnswerer(new HashEmbedder(), new ExtractiveAnswerOptions { MaxSentences = 1 }).AnswerAsync(question, passages);

        Assert.Equal(expected, answer.Text);
        // The citation quotes the row itself, as it stands in the passage.
        var quote = answer.Citations[0].Quote;
        Assert.NotNull(quote);
        string label = expected.Split(',', '(')[0].Trim();
        Assert.StartsWith($"| {label} |", quote.Of(Statement));
        Assert.EndsWith("|", quote.Of(Statement));
        Assert.DoesNotContain("\n", quote.Of(Statement));
    }

    [Fact]
    public async Task A_change_column_is_answered_only_when_the_question_asks_for_a_change_and_all_periods_when_none_is_named()
    {
        var table = Passages(
            "Net sales by segment (dollars in millions):\n" +
            "| | 2023 | 2022 | Change |\n" +
            "|---|---|---|---|\n" +
            "| Europe | $ 20,205 | $ 19,287 | 5 % |\n" +
            "| Japan | $ 4,821 | $ 5,446 | (11)% |");
        var options = new ExtractiveAnswerOptions { MaxSentences = 1 };

        var amount = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync("What were Japan net sales?", table);
        var change = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync("By what percentage did Japan net sales change?", table);

        // No period named: each period's value, with its header.
        Assert.Equal("Japan: 2023 $4,821 million; 2022 $5,446 million [1]", amount.Text);
        Assert.Equal("Japan, change: (11)% [1]", change.Text);
    }

    [Fact]
    public async Task The_citation_quotes_the_sentence_the_answer_used()
    {
        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("When was Contoso founded?", Company);

        var cited = answer.Citations[1];
        Assert.Equal("Contoso was founded in 1998 by two marine engineers.", cited.Quote?.Of(cited.Text));
        Assert.All(answer.Citations.Where(c => !c.Referenced), c => Assert.Null(c.Quote));
    }

    [Fact]
    public async Task A_quote_spans_a_sentence_wrapped_across_lines_of_the_passage()
    {
        const string text = "Revenue grew.\nThe plant was built in\nthe city of Austin during 1998 after a long\nsearch. Production began in 2001.";

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("Where was the plant built?", Passages(text));

        Assert.Equal("The plant was built in\nthe city of Austin during 1998 after a long\nsearch.", answer.Citations[0].Quote?.Of(text));
    }

    [Theory]
    [InlineData("Information and Geographic Data\" for the three- and nine-month periods shows segment sales of the Company.\nThe Americas segment sales were $35 billion.")]
    [InlineData("millions of units and segment sales of the Company were reported for the three- and nine-month periods.\nThe Americas segment sales were $35 billion.")]
    public async Task A_passage_that_starts_inside_a_sentence_never_opens_the_answer_with_that_piece(string text)
    {
        var answer = await new ExtractiveAnswerer(new HashEmbedder(), new ExtractiveAnswerOptions { MaxSentences = 3, ExtraSentenceMargin = 1 })
            .AnswerAsync("What were segment sales of the Company for the three- and nine-month periods?", Passages(text));

        Assert.False(answer.NoAnswer);
        Assert.StartsWith("The Americas segment sales were $35 billion.", answer.Text);
    }

    [Fact]
    public async Task A_passage_that_ends_inside_a_sentence_does_not_answer_with_that_piece()
    {
        var answer = await new ExtractiveAnswerer(new HashEmbedder(), new ExtractiveAnswerOptions { MaxSentences = 3, ExtraSentenceMargin = 1 })
            .AnswerAsync("What did the Company report about segment sales?",
                Passages("The Company reported segment sales of $35 billion. Segment sales for the Company were reported in the notes for the three-"));

        Assert.Equal("The Company reported segment sales of $35 billion. [1]", answer.Text);
    }

    [Fact]
    public async Task The_row_whose_label_the_question_names_beats_rows_that_only_share_the_tables_words()
    {
        // With every embedding alike, only wording counts: the rows under "Net sales by product line:" hold more
        // of the question's words than the row "Total", which the question names.
        var passages = Passages(
            "| | Quarter Ended July 1, 2023 |\n|---|---|\n| Net sales by product line: | |\n| Laptops | 6,840 |\n| Tablets | 5,791 |",
            "| | Quarter Ended July 1, 2023 |\n|---|---|\n| Total | 81,797 |");
        const string question = "What were total net sales by product line?";
        var options = new ExtractiveAnswerOptions { MaxSentences = 1 };

        var answer = await new ExtractiveAnswerer(new ConstantEmbedder(), options).AnswerAsync(question, passages);
        var without = await new ExtractiveAnswerer(new ConstantEmbedder(), options with { LabelWeight = 0 }).AnswerAsync(question, passages);

        Assert.Equal("Total, quarter ended July 1, 2023: 81,797 [2]", answer.Text);
        Assert.StartsWith("Laptops", without.Text);
    }

    /// <summary>An embedding model that finds every text equally similar.</summary>
    private sealed class ConstantEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(_ => new Embedding<float>(new float[] { 1, 0, 0 }))));

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    [Fact]
    public async Task Units_and_currency_stay_off_amounts_per_share_and_counts_of_shares()
    {
        var passages = Passages(
            "(net income in millions and shares in thousands)\n| | 2023 |\n|---|---|\n| Net income | $ 19,881 |\n"
            + "| Diluted earnings per share | $ 1.26 |\n| Weighted-average diluted shares | 15,775,021 |");
        var options = new ExtractiveAnswerOptions { MaxSentences = 1 };

        var perShare = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync("What were diluted earnings per share in 2023?", passages);
        var shares = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync("How many weighted-average diluted shares were there in 2023?", passages);
        var income = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync("What was net income in 2023?", passages);

        Assert.Equal("Diluted earnings per share, 2023: $1.26 [1]", perShare.Text);
        Assert.Equal("Weighted-average diluted shares, 2023: 15,775,021 [1]", shares.Text);
        Assert.Equal("Net income, 2023: $19,881 million [1]", income.Text);
    }

    [Fact]
    public async Task A_period_over_the_labels_column_heads_every_column()
    {
        var passages = Passages(
            "| Three Months Ended September 30, | 2023 | 2022 |\n|---|---|---|\n| Revenue | $ 56,517 | $ 50,122 |\n| Net income | 22,291 | 17,556 |");

        var answer = await new ExtractiveAnswerer(new HashEmbedder(), new ExtractiveAnswerOptions { MaxSentences = 1 })
            .AnswerAsync("What was revenue for the three months ended September 30, 2022?", passages);

        Assert.Equal("Revenue, three months ended September 30, 2022: $50,122 [1]", answer.Text);
    }

    [Fact]
    public async Task A_line_ending_on_a_word_like_of_goes_on_in_the_next_line_even_when_it_starts_with_a_capital()
    {
        var passages = Passages("Mac net sales decreased due primarily to lower net sales of\nMacBook Pro. The board met twice.");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("Why did Mac net sales decrease?", passages);

        Assert.Equal("Mac net sales decreased due primarily to lower net sales of MacBook Pro. [1]", answer.Text);
    }

    [Fact]
    public async Task A_total_closes_its_section_and_a_section_row_alone_is_no_answer()
    {
        var passages = Passages(
            "| (In millions) | Three Months Ended July 1, 2023 |\n|---|---|\n| Cost of sales: | |\n| Products | 39,136 |\n"
            + "| Total cost of sales | 45,384 |\n| Gross margin | 36,413 |\n| Gross margin percentage: | |");

        var options = new ExtractiveAnswerOptions { MaxSentences = 1 };

        var margin = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync("What was the gross margin for the quarter ended July 1, 2023?", passages);
        var percentage = await new ExtractiveAnswerer(new HashEmbedder(), options).AnswerAsync("What was the gross margin percentage?", passages);

        Assert.Equal("Gross margin, three months ended July 1, 2023: 36,413 million [1]", margin.Text);
        Assert.DoesNotContain("|", percentage.Text);
    }

    [Fact]
    public async Task Rows_of_one_table_that_read_alike_are_not_duplicates_when_their_figures_differ()
    {
        var passages = Passages(
            "| | Three Months Ended July 30, 2023 |\n|---|---|\n| Interest income | $ 187 |\n| Interest expense | (65) |\n| Other, net | 59 |");

        // Every sentence embeds alike, so only the figures tell the rows apart.
        var answer = await new ExtractiveAnswerer(new ConstantEmbedder(), new ExtractiveAnswerOptions { MaxSentences = 3 })
            .AnswerAsync("What were interest income, interest expense and other income in the quarter ended July 30, 2023?", passages);

        Assert.Contains("$187", answer.Text);
        Assert.Contains("($65)", answer.Text);
        Assert.Contains("$59", answer.Text);
    }

    [Fact]
    public async Task A_row_the_question_names_does_not_push_the_other_rows_it_asks_about_out_of_the_answer()
    {
        var passages = Passages(
            "| (In millions) | Three Months Ended September 30, 2023 |\n|---|---|\n| North America | |\n| Net sales | $ 87,887 |\n"
            + "| International | |\n| Net sales | $ 32,137 |\n| AWS | |\n| Net sales | $ 23,059 |");

        var answer = await new ExtractiveAnswerer(new HashEmbedder())
            .AnswerAsync("What were the net sales of the online stores and AWS in the quarter ended September 30, 2023?", passages);

        // A row without values heads the rows below it, with or without a colon.
        Assert.Contains("Net sales (North America), three months ended September 30, 2023: $87,887 million", answer.Text);
        Assert.Contains("Net sales (International), three months ended September 30, 2023: $32,137 million", answer.Text);
        Assert.Contains("Net sales (AWS), three months ended September 30, 2023: $23,059 million", answer.Text);
    }

    [Fact]
    public async Task A_column_of_years_takes_no_units_of_money()
    {
        var passages = Passages(
            "(In millions)\n| | Remaining Term (years) | April 30, 2023 |\n|---|---|---|\n| 3.20% Notes Due 2026 | 3.4 | $ 1,000 |");

        var answer = await new ExtractiveAnswerer(new HashEmbedder(), new ExtractiveAnswerOptions { MaxSentences = 1 })
            .AnswerAsync("What is the remaining term of the notes due 2026?", passages);

        Assert.Contains("3.4", answer.Text);
        Assert.DoesNotContain("3.4 million", answer.Text);
    }

    [Fact]
    public async Task The_text_of_a_graphic_with_its_labels_interleaved_is_no_answer()
    {
        var passages = Passages(
            "Revenue down $2.4B or Gross margin Gross margin Diluted EPS Diluted EPS 15% from Q2 2022 down 0.7 ppt.\n"
            + "Total revenue of $12.9 billion was down $2.4 billion or 15% from Q2 2022.");

        var answer = await new ExtractiveAnswerer(new HashEmbedder()).AnswerAsync("What was total revenue in Q2 2023?", passages);

        Assert.Equal("Total revenue of $12.9 billion was down $2.4 billion or 15% from Q2 2022. [1]", answer.Text);
    }

    [Fact]
    public async Task Each_documents_sentences_are_followed_by_its_company_and_period()
    {
        var passages = new List<Passage>
        {
            new("c0", "q3", "2023 Q3.pdf", 0, 5, 5, null, "Revenue for the third quarter was $14.2 billion.", 0.9) { Source = "Contoso Ltd., quarterly period ended September 30, 2023" },
            new("c1", "q2", "2023 Q2.pdf", 0, 5, 5, null, "Revenue for the second quarter was $12.9 billion.", 0.8) { Source = "Contoso Ltd., quarterly period ended July 1, 2023" },
            new("c2", "q3", "2023 Q3.pdf", 1, 6, 6, null, "Revenue for the first nine months was $38.8 billion.", 0.7) { Source = "Contoso Ltd., quarterly period ended September 30, 2023" },
            new("c3", "memo", "memo.txt", 0, 1, 1, null, "Revenue for the year is expected to reach $54 billion.", 0.6),
        };

        var answer = await new ExtractiveAnswerer(new HashEmbedder(), new ExtractiveAnswerOptions { ExtraSentenceMargin = 10 })
            .AnswerAsync("What was revenue?", passages);

        // Each document's sentences stand together, followed by its company and period once; a document whose
        // metadata names no period is followed by nothing.
        var groups = Regex.Split(answer.Text, @"(?<=\((?:Contoso[^)]*)\))")
            .Select(g => g.Trim()).Where(g => g.Length > 0).ToList();
        Assert.Contains(groups, g => g.EndsWith("(Contoso Ltd., quarterly period ended September 30, 2023)")
            && g.Contains("$14.2 billion. [1]") && g.Contains("$38.8 billion. [3]") && !g.Contains("[2]") && !g.Contains("[4]"));
        Assert.Contains(groups, g => g.EndsWith("(Contoso Ltd., quarterly period ended July 1, 2023)")
            && g.Contains("$12.9 billion. [2]") && !g.Contains("[1]") && !g.Contains("[4]"));
        Assert.Single(Regex.Matches(answer.Text, "September 30, 2023"));
        Assert.Contains("reach $54 billion. [4]", answer.Text);
        Assert.DoesNotContain("reach $54 billion. [4] (", answer.Text);
        AssertMarkersMatchCitations(answer);
    }

    [Theory]
    [InlineData("Three Months Ended % Change", "Total net sales, % change over three months: (1)% [1]")]
    [InlineData("Three Months Ended Year-over-Year Change", "Total net sales, year-over-year change: (1)% [1]")]
    public async Task A_change_column_under_a_periods_length_reads_as_the_change_it_is(string header, string expected)
    {
        var passages = Passages(
            $"| (In millions) | Three Months Ended July 1, 2023 | Three Months Ended June 25, 2022 | {header} |\n|---|---|---|---|\n"
            + "| Total net sales | $ 81,797 | $ 82,959 | (1)% |");

        var answer = await new ExtractiveAnswerer(new HashEmbedder(), new ExtractiveAnswerOptions { MaxSentences = 1 })
            .AnswerAsync("By what percentage did total net sales change in the quarter?", passages);

        Assert.Equal(expected, answer.Text);
    }
}

