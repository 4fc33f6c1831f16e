using DocQa.Core.Chunking;

namespace DocQa.Core.Tests;

public class SentenceSplitterTests
{
    [Fact]
    public void Splits_at_terminal_punctuation_followed_by_a_capital_or_digit()
    {
        var sentences = SentenceSplitter.Split("Revenue rose. Costs fell? Margins held! 2024 looks better.");

        Assert.Equal(["Revenue rose.", "Costs fell?", "Margins held!", "2024 looks better."], sentences);
    }

    [Theory]
    [InlineData("Sales in the U.S. Market grew by 3.5 percent.")]
    [InlineData("Some costs, e.g. Freight and duties, were higher.")]
    [InlineData("Apple Inc. Reported its results in January.")]
    [InlineData("The plan was signed by John F. Kennedy in 1962.")]
    [InlineData("See Fig. 4 for the breakdown.")]
    [InlineData("Prices rose 3.5% year over year.")]
    public void Does_not_split_after_abbreviations_initials_or_decimals(string text)
    {
        Assert.Equal([text], SentenceSplitter.Split(text));
    }

    [Fact]
    public void Does_not_split_before_a_lower_case_word()
    {
        Assert.Single(SentenceSplitter.Split("The rate was 4 p.m. on the day. it was late."));
    }

    [Fact]
    public void Keeps_closing_quotes_and_brackets_with_the_sentence()
    {
        var sentences = SentenceSplitter.Split("He said \"we are done.\" Then he left (for good.) Next came the vote.");

        Assert.Equal(["He said \"we are done.\"", "Then he left (for good.)", "Next came the vote."], sentences);
    }

    [Fact]
    public void Returns_nothing_for_blank_text()
    {
        Assert.Empty(SentenceSplitter.Split("   "));
    }
}
