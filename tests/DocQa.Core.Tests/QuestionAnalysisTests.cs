using DocQa.Core.Understanding;

namespace DocQa.Core.Tests;

public class QuestionAnalysisTests
{
    private static string[] Entities(string question) => QuestionAnalyzer.Analyze(question).Entities.Select(e => e.Text).ToArray();

    [Theory]
    [InlineData("How many vacation days do Contoso employees get?", new[] { "Contoso" })]
    [InlineData("What does the Master Services Agreement say about termination?", new[] { "Master Services Agreement" })]
    [InlineData("What were Tesla's total revenues last year?", new[] { "Tesla" })]
    [InlineData("What was Meta Platforms' net income?", new[] { "Meta Platforms" })]
    [InlineData("Who is the current Prime Minister of Japan?", new[] { "Prime Minister of Japan" })]
    [InlineData("Compare Fabrikam and Northwind on fees.", new[] { "Fabrikam and Northwind" })]
    [InlineData("What is the NVDA ticker's exchange, and what did R&D cost?", new[] { "NVDA", "R&D" })]
    [InlineData("Northwind's fee (per month), Fabrikam: who pays?", new[] { "Northwind", "Fabrikam" })]
    [InlineData("When was the lighthouse built?", new string[0])]
    [InlineData("What is our company's parental leave policy?", new string[0])]
    [InlineData("Describe the keepers of the light in March 1900 and on Monday.", new string[0])]
    public void Finds_names_from_capitals_acronyms_and_possessives(string question, string[] expected) =>
        Assert.Equal(expected, Entities(question));

    [Theory]
    [InlineData("How has Contoso's headcount changed over time?", true)]
    [InlineData("How has Apple's total net sales changed over time?", true)]
    [InlineData("What trends can be seen in support tickets across the reported quarters?", true)]
    [InlineData("How did the fee develop in each year of the agreement?", true)]
    [InlineData("How has the parental leave policy evolved across the handbook's versions?", true)]
    [InlineData("Compare travel allowances for 2021 and 2022 over the past two years.", true)]
    [InlineData("How many vacation days do employees get?", false)]
    [InlineData("What was revenue in the first nine months of 2023?", false)]
    [InlineData("What was revenue during the six months ended June 30?", false)]
    [InlineData("In Q3 2023, how did costs trend?", false)]
    [InlineData("In the latest 10-Q, what effects did currency fluctuations have on the results?", false)]
    [InlineData("What tax rate was reported in the latest quarter, and how does it relate to historical rates?", false)]
    [InlineData("How has the fee changed over the latest quarters?", true)]
    [InlineData("What trends appear in the latest two reports?", true)]
    public void Knows_when_a_question_asks_across_periods(string question, bool across) =>
        Assert.Equal(across, QuestionAnalyzer.Analyze(question).AcrossPeriods);

    [Theory]
    [InlineData("What does the latest handbook say about parental leave?", true)]
    [InlineData("In the most recent report, what were the main risks?", true)]
    [InlineData("What are the fees in the current version of the agreement?", true)]
    [InlineData("What were current liabilities?", false)]
    [InlineData("What did the latest report of March 2023 say?", false)]
    public void Knows_when_a_question_asks_for_the_latest_document(string question, bool latest) =>
        Assert.Equal(latest, QuestionAnalyzer.Analyze(question).WantsLatest);

    [Theory]
    [InlineData("What tax rate did Contoso report, and how does it compare to the statutory rate?",
        new[] { "What tax rate did Contoso report", "how does it compare to the statutory rate" })]
    [InlineData("What notice period applies to tenants? Who signs the termination letter?",
        new[] { "What notice period applies to tenants", "Who signs the termination letter" })]
    [InlineData("Which risks were new, and why?", new[] { "Which risks were new, and why?" })]
    [InlineData("How many vacation days and sick days do employees get?", new[] { "How many vacation days and sick days do employees get?" })]
    public void Splits_a_question_that_asks_several_things_into_its_parts(string question, string[] parts) =>
        Assert.Equal(parts, QuestionAnalyzer.Parts(question));

    [Fact]
    public void A_name_joined_by_and_or_of_keeps_its_parts()
    {
        var entity = Assert.Single(QuestionAnalyzer.Analyze("Who wrote Pride and Prejudice?").Entities);

        Assert.Equal(["Pride", "Prejudice"], entity.Parts);
        Assert.Equal(["pride", "prejudice"], entity.Terms);
        Assert.True(entity.HasParts);
    }

    [Fact]
    public void A_capitalised_word_opening_the_question_is_read_with_and_without_it()
    {
        var entity = Assert.Single(QuestionAnalyzer.Analyze("Examine Contoso's hiring plans.").Entities);

        Assert.Equal("Examine Contoso", entity.Text);
        Assert.Equal(["Contoso"], entity.Parts);
        Assert.True(entity.IsNamedBy(terms => terms.SequenceEqual(["contoso"])));
    }

    [Theory]
    [InlineData("the quarter ended July 1, 2023", PeriodKind.Date, "2023-06-24", "2023-07-08")]
    [InlineData("as of 1 July 2023", PeriodKind.Date, "2023-06-24", "2023-07-08")]
    [InlineData("in March 2020", PeriodKind.Month, "2020-02-23", "2020-04-07")]
    [InlineData("the first nine months of 2023", PeriodKind.PartOfYear, "2022-01-01", "2023-12-31")]
    [InlineData("the first quarter of fiscal 2024", PeriodKind.Quarter, "2023-01-01", "2024-12-31")]
    [InlineData("for the first quarter of fiscal years 2024", PeriodKind.Quarter, "2023-01-01", "2024-12-31")]
    [InlineData("in Q3 2022", PeriodKind.Quarter, "2021-01-01", "2022-12-31")]
    [InlineData("FY24 Q1 results", PeriodKind.Quarter, "2023-01-01", "2024-12-31")]
    [InlineData("for fiscal 2018", PeriodKind.Year, "2017-01-01", "2018-12-31")]
    [InlineData("in 1999", PeriodKind.Year, "1999-01-01", "1999-12-31")]
    public void Finds_periods_and_reads_fiscal_ones_loosely(string text, PeriodKind kind, string start, string end)
    {
        var period = Assert.Single(PeriodFinder.Find(text));

        Assert.Equal(kind, period.Kind);
        Assert.Equal((DateOnly.Parse(start), DateOnly.Parse(end)), (period.Start, period.End));
    }

    [Fact]
    public void Amounts_and_percentages_are_not_years()
    {
        Assert.Empty(PeriodFinder.Find("a fee of $2,024 and a share of 2019%"));
        Assert.Empty(PeriodFinder.Find("Notes due 2042", datesOnly: true));
    }

    [Theory]
    [InlineData("How much is the monthly fee?", AnswerType.Amount)]
    [InlineData("What percentage of employees work remotely?", AnswerType.Percentage)]
    [InlineData("How many weeks of parental leave are there?", AnswerType.Count)]
    [InlineData("When does the agreement terminate?", AnswerType.Date)]
    [InlineData("Who signed the agreement?", AnswerType.Name)]
    [InlineData("Why was the lighthouse automated?", AnswerType.Explanation)]
    [InlineData("What colour is the tower?", AnswerType.Other)]
    public void Tells_the_expected_answer_type(string question, AnswerType expected) =>
        Assert.Equal(expected, QuestionAnalyzer.Analyze(question).AnswerType);

    [Fact]
    public void Topic_terms_leave_out_names_periods_and_question_words()
    {
        var analysis = QuestionAnalyzer.Analyze("How much did Contoso spend on research in the third quarter of 2023?");

        Assert.Equal(["spend", "research"], analysis.TopicTerms);
    }
}
