using DocQa.Core.Retrieval;

namespace DocQa.Core.Tests.Retrieval;

public class KeywordAnalyzerTests
{
    [Theory]
    [InlineData("Total net sales were $81,797 million", new[] { "total", "net", "sale", "81797", "million" })]
    [InlineData("Apple's iPhone revenue grew 3.5%.", new[] { "apple", "iphone", "revenue", "grew", "3.5" })]
    [InlineData("Liabilities and expenses; business", new[] { "liability", "expense", "business" })]
    [InlineData("Café RÉSUMÉ don't Ło\u0301dz\u0301", new[] { "cafe", "resume", "dont", "lodz" })]
    [InlineData("Form 10-Q, Q3 2023.", new[] { "form", "10", "q", "q3", "2023" })]
    public void Terms_are_normalised_the_same_way_for_every_backend(string text, string[] expected) =>
        Assert.Equal(expected, KeywordAnalyzer.Terms(text));

    [Fact]
    public void Query_terms_are_distinct_without_stop_words_and_capped()
    {
        Assert.Equal(["apple", "net", "sale"], KeywordAnalyzer.QueryTerms("What were the Apple net sales? Apple's sales!"));
        Assert.Empty(KeywordAnalyzer.QueryTerms("The Who"));
        Assert.Equal(KeywordAnalyzer.MaxQueryTerms, KeywordAnalyzer.QueryTerms(string.Join(' ', Enumerable.Range(0, 100).Select(i => $"w{i}"))).Count);
    }

    [Fact]
    public void Term_frequencies_count_repeats_and_term_ids_are_stable()
    {
        var frequencies = KeywordAnalyzer.TermFrequencies("Sales, sale and SALES of the year");
        Assert.Equal(3, frequencies["sale"]);
        Assert.Equal(1, frequencies["year"]);
        Assert.False(frequencies.ContainsKey("the"));
        Assert.Equal(KeywordAnalyzer.TermId("sale"), KeywordAnalyzer.TermId("sale"));
        Assert.NotEqual(KeywordAnalyzer.TermId("sale"), KeywordAnalyzer.TermId("sales"));
        Assert.Equal(0xe40c292cu, KeywordAnalyzer.TermId("a")); // FNV-1a reference value: ids must never change, stored vectors use them
    }

    [Fact]
    public void Junk_runs_are_not_terms() =>
        Assert.Empty(KeywordAnalyzer.Terms(new string('x', 41)));

    [Theory]
    [InlineData("sales liabilities expenses business analysis status", new[] { "sale", "liability", "expense", "business", "analysi", "status" })]
    [InlineData("This does us", new string[0])] // stop-words are known as written, before a plural ending comes off
    [InlineData("Q3 FY2024 10-K 1,234.5 12,000,000", new[] { "q3", "fy2024", "10", "k", "1234.5", "12000000" })]
    public void Plural_endings_come_off_words_and_numbers_stay_whole(string text, string[] expected) =>
        Assert.Equal(expected, KeywordAnalyzer.Terms(text));

    [Theory]
    [InlineData("Ærøskøbing œuvre Łódź", new[] { "aroskobing", "ouvre", "lodz" })] // letters without a decomposition fold for search
    [InlineData("Ελλάδα Ёлка Việt Nam", new[] { "ελλαδα", "елка", "viet", "nam" })] // the tokenizer's folding, beyond Latin
    [InlineData("Cafe\u0301 CAFÉ café", new[] { "cafe", "cafe", "cafe" })]
    public void Accents_fold_away_in_every_script(string text, string[] expected) =>
        Assert.Equal(expected, KeywordAnalyzer.Terms(text));

    [Fact]
    public void Ignored_words_are_left_out_as_written()
    {
        var ignored = new HashSet<string> { "tell", "documents" };
        Assert.Equal(["revenue"], KeywordAnalyzer.Terms("Tell me the revenue, documents", ignored));
        Assert.Equal(["tell", "revenue", "document"], KeywordAnalyzer.Terms("Tell me the revenue, documents"));
    }

    [Fact]
    public void Matching_words_are_the_words_of_the_text_that_are_query_terms_as_written()
    {
        var words = KeywordAnalyzer.MatchingWords(
            "What were Apple's net sales of $81797?",
            ["Net Sales rose to 81,797 at Apple's stores.", "The sale of NET assets; no other sales."]);

        Assert.Equal(["Net", "Sales", "81,797", "Apple", "sale"], words);
        Assert.Empty(KeywordAnalyzer.MatchingWords("the of", ["the net of it"]));
        Assert.Empty(KeywordAnalyzer.MatchingWords("harbor", ["Nothing about it."]));
    }
}
