using DocQa.Core.Evaluation;
using DocQa.Core.Retrieval;

namespace DocQa.Core.Tests;

public class EvaluationTests
{
    private static Passage P(string fileName, int page = 1, string text = "", int? pageEnd = null) =>
        new(Guid.NewGuid().ToString("N"), fileName, fileName, 0, page, pageEnd ?? page, null, text, 0);

    private static EvalQuestion Q(string[] sources, string answer = "", int[]? pages = null) =>
        new("q", "question?", answer, sources, pages ?? []);

    [Theory]
    [InlineData("*2023 Q3 AAPL*", "2023 Q3 AAPL.pdf", true)]
    [InlineData("*2023 Q3 AAPL*", "2023 q3 aapl.PDF", true)]
    [InlineData("*2023 Q3 AAPL*", "2023 Q3 AMZN.pdf", false)]
    [InlineData("*AAPL*", "notes_aapl_final.pdf", true)]
    [InlineData("report.pdf", "old report.pdf", false)] // no '*': the whole name must match
    [InlineData("a.pdf", "axpdf", false)]               // '.' is literal, not "any character"
    [InlineData("*.pdf", "x.pdf.bak", false)]
    [InlineData("2022*NVDA.pdf", "2022 Q3 NVDA.pdf", true)]
    public void Source_patterns_match_whole_file_names_with_star_wildcards_ignoring_case(string pattern, string fileName, bool expected) =>
        Assert.Equal(expected, SourcePattern.Matches(pattern, fileName));

    [Fact]
    public void Answer_numbers_drop_separators_dollar_and_percent_and_skip_years_labels_and_list_markers()
    {
        var numbers = AnswerNumbers.FromAnswer(
            "1. Net sales were $82,959 million in 2022, up 8.0% (SOURCE: 2022 Q3 AAPL.pdf, the 10-Q).\n" +
            "2. Gross margin was 43.3%; again $82,959.");

        Assert.Equal(["82959", "8", "43.3"], numbers);
    }

    [Fact]
    public void Only_four_digit_numbers_from_1900_to_2100_are_years()
    {
        Assert.Equal(["1899", "2101", "2000"], AnswerNumbers.FromAnswer("1899, 1900, 2101, 2100 and 2,000 units"));
    }

    [Fact]
    public void Answer_recall_is_the_share_of_distinct_answer_numbers_found_in_the_first_k_passages()
    {
        var question = Q(["*"], "Revenue was $1,234 million and the margin 45.5% in fiscal 2023; revenue $1,234 million.");
        var ranked = new[]
        {
            P("a.pdf", text: "Total revenue 1,234 (in millions)"),
            P("a.pdf", text: "Tables only"),
            P("a.pdf", text: "Gross margin 45.50 %"),
        };

        Assert.Equal(0.5, EvalMetrics.AnswerRecall(question, ranked, 2));
        Assert.Equal(1.0, EvalMetrics.AnswerRecall(question, ranked, 3));
        EvalMetrics.AnswerRecall(question, ranked, 1, out var missing);
        Assert.Equal(["45.5"], missing);
    }

    [Fact]
    public void A_number_is_found_only_as_a_whole_number_not_inside_a_longer_one()
    {
        var question = Q(["*"], "It rose to 234.");
        Assert.Equal(0.0, EvalMetrics.AnswerRecall(question, [P("a.pdf", text: "It rose to 1,234 and 2345 and 234.5")], 5));
        Assert.Equal(1.0, EvalMetrics.AnswerRecall(question, [P("a.pdf", text: "($234)")], 5));
    }

    [Fact]
    public void Answer_recall_is_null_without_numbers_and_averaged_only_over_questions_with_numbers()
    {
        Assert.Null(EvalMetrics.AnswerRecall(Q(["*"], "It went up in 2023."), [P("a.pdf", text: "up")], 5));

        var summary = EvalMetrics.Summarise([
            new QuestionScore(true, true, null, null, 1, []),
            new QuestionScore(true, true, null, 0.5, 1, []),
            new QuestionScore(true, true, null, 1.0, 1, []),
        ]);

        Assert.Equal(0.75, summary.AnswerRecallAtK);
    }

    [Fact]
    public void Doc_hit_and_reciprocal_rank_look_for_the_first_passage_from_a_matching_document()
    {
        var question = Q(["*AAPL*", "*MSFT*"]);
        var ranked = new[] { P("2023 Q1 NVDA.pdf"), P("2023 Q1 NVDA.pdf"), P("2023 Q2 MSFT.pdf"), P("2023 Q2 AAPL.pdf") };

        Assert.False(EvalMetrics.DocHit(question, ranked, 1));
        Assert.False(EvalMetrics.DocHit(question, ranked, 2));
        Assert.True(EvalMetrics.DocHit(question, ranked, 3));
        Assert.Equal(1.0 / 3, EvalMetrics.ReciprocalRank(question, ranked), 12);
    }

    [Fact]
    public void Reciprocal_rank_counts_only_the_first_ten_passages()
    {
        var question = Q(["hit.pdf"]);
        var tenth = Enumerable.Repeat(P("miss.pdf"), 9).Append(P("hit.pdf")).ToArray();
        var eleventh = Enumerable.Repeat(P("miss.pdf"), 10).Append(P("hit.pdf")).ToArray();

        Assert.Equal(0.1, EvalMetrics.ReciprocalRank(question, tenth), 12);
        Assert.Equal(0.0, EvalMetrics.ReciprocalRank(question, eleventh));
    }

    [Fact]
    public void Page_hit_needs_a_gold_page_inside_a_passage_from_a_matching_document()
    {
        var question = Q(["report.pdf"], pages: [7]);
        var ranked = new[]
        {
            P("other.pdf", page: 7),          // the right page of the wrong document
            P("report.pdf", page: 5, pageEnd: 6),
            P("report.pdf", page: 6, pageEnd: 8),
        };

        Assert.False(EvalMetrics.PageHit(question, ranked, 2));
        Assert.True(EvalMetrics.PageHit(question, ranked, 3));
        Assert.Null(EvalMetrics.PageHit(Q(["report.pdf"]), ranked, 3));
        Assert.Equal([false, false, true], ranked.Select(p => EvalMetrics.OnGoldPage(question, p)));
        Assert.All(ranked, p => Assert.Null(EvalMetrics.OnGoldPage(Q(["report.pdf"]), p)));
    }

    [Fact]
    public void Summary_averages_doc_hits_and_reciprocal_ranks_over_all_questions_and_page_hits_over_questions_with_pages()
    {
        var summary = EvalMetrics.Summarise([
            new QuestionScore(true, true, true, null, 1.0, []),
            new QuestionScore(false, true, false, null, 0.5, []),
            new QuestionScore(false, false, null, null, 0.0, []),
            new QuestionScore(false, true, null, null, 0.25, []),
        ]);

        Assert.Equal(4, summary.Questions);
        Assert.Equal(0.25, summary.DocHitAt1);
        Assert.Equal(0.75, summary.DocHitAtK);
        Assert.Equal(0.5, summary.PageHitAtK);
        Assert.Null(summary.AnswerRecallAtK);
        Assert.Equal(0.4375, summary.MrrAt10, 12);
    }

    [Fact]
    public void Percentiles_interpolate_between_the_nearest_ranks()
    {
        double[] values = [40, 10, 30, 20];

        Assert.Equal(25, EvalMetrics.Percentile(values, 50), 9);
        Assert.Equal(38.5, EvalMetrics.Percentile(values, 95), 9);
        Assert.Equal(10, EvalMetrics.Percentile(values, 0), 9);
        Assert.Equal(40, EvalMetrics.Percentile(values, 100), 9);
        Assert.Equal(7, EvalMetrics.Percentile([7], 95), 9);
        Assert.Equal(0, EvalMetrics.Percentile([], 50));
    }

    [Fact]
    public void Question_files_are_read_line_by_line_skipping_blank_lines()
    {
        var text = """
            {"id": "q1", "question": "What?", "answer": "42", "sources": ["*A*"], "pages": [3, 4], "type": "Single-Doc", "evidence": "Table"}

            {"id": "q2", "question": "Why?", "sources": ["b.pdf"], "extra": 1}
            """;

        var questions = EvalQuestionReader.Read(new StringReader(text));

        Assert.Equal(["q1", "q2"], questions.Select(q => q.Id));
        Assert.Equal([3, 4], questions[0].Pages);
        Assert.Equal("Table", questions[0].Evidence);
        Assert.Equal("", questions[1].Answer);
        Assert.Empty(questions[1].Pages);
    }

    [Theory]
    [InlineData("{\"id\": \"q1\", \"question\": \"a\", \"sources\": [\"x\"]}\n\n{\"id\": \"q2\", \"question\": ", "line 3:")]
    [InlineData("{\"id\": \"q1\", \"question\": \"a\", \"sources\": []}", "line 1: 'sources'")]
    [InlineData("{\"id\": \"q1\", \"sources\": [\"x\"]}", "line 1: 'question'")]
    [InlineData("{\"id\": \"q1\", \"question\": \"a\", \"sources\": [\"x\"]}\n{\"id\": \"q1\", \"question\": \"b\", \"sources\": [\"x\"]}", "line 2: duplicate id")]
    [InlineData("[1, 2]", "line 1:")]
    public void Bad_question_lines_are_reported_with_their_line_number(string text, string expected)
    {
        var error = Assert.Throws<EvalFormatException>(() => EvalQuestionReader.Read(new StringReader(text)));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Unanswerable_questions_need_no_sources()
    {
        var text = "{\"id\": \"u1\", \"question\": \"Who painted the Mona Lisa?\", \"answer\": \"\", \"sources\": [], \"answerable\": false}\n" +
            "{\"id\": \"q1\", \"question\": \"a\", \"sources\": [\"x\"]}";
        var questions = EvalQuestionReader.Read(new StringReader(text));
        Assert.False(questions[0].Answerable);
        Assert.Empty(questions[0].Sources);
        Assert.True(questions[1].Answerable);
    }

    [Fact]
    public void Answer_scores_count_noAnswer_per_kind_of_question_and_numbers_in_the_answer_text()
    {
        var unanswerable = new EvalQuestion("u", "Who painted the Mona Lisa?", "", [], []) { Answerable = false };
        var numbers = new EvalQuestion("n", "Net sales?", "Net sales were $81,797 million, up 5%.", ["x"], []);
        var words = new EvalQuestion("w", "Who is the CEO?", "Tim Cook", ["x"], []);

        var scores = new[]
        {
            EvalMetrics.ScoreAnswer(unanswerable, "Not found in your documents.", noAnswer: true),
            EvalMetrics.ScoreAnswer(unanswerable, "Leonardo.", noAnswer: false),
            EvalMetrics.ScoreAnswer(numbers, "Total net sales were $81,797 million [1].", noAnswer: false),
            EvalMetrics.ScoreAnswer(numbers, "81,797 and 5", noAnswer: true), // a noAnswer finds nothing, whatever its text
            EvalMetrics.ScoreAnswer(words, "Tim Cook [2].", noAnswer: false),
        };
        Assert.Equal(0.5, scores[2].TextRecall);
        Assert.Equal(0.0, scores[3].TextRecall);
        Assert.Null(scores[4].TextRecall);

        var summary = EvalMetrics.SummariseAnswers(scores);
        Assert.Equal(2, summary.Unanswerable);
        Assert.Equal(0.5, summary.NoAnswerOnUnanswerable);
        Assert.Equal(1.0 / 3, summary.NoAnswerOnAnswerable!.Value, 6);
        Assert.Equal(0.25, summary.AnswerTextRecall);
        Assert.Null(EvalMetrics.SummariseAnswers([scores[2]]).NoAnswerOnUnanswerable);
    }
}
