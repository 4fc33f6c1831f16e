using System.Text.RegularExpressions;
using DocQa.Storage.Sqlite;

namespace DocQa.Storage.Tests;

public sealed partial class FtsQueryTests
{
    // Only quoted phrases of letters/digits joined by OR: nothing FTS5 could read as an operator.
    [GeneratedRegex("""^"[\p{L}\p{N}\p{M}]+( [\p{L}\p{N}\p{M}]+)*"( OR "[\p{L}\p{N}\p{M}]+( [\p{L}\p{N}\p{M}]+)*")*$""")]
    private static partial Regex SafeShape();

    [Theory]
    [InlineData("\"a\" OR NEAR(", "\"near\"")]
    [InlineData("leave*", "\"leave\"")]
    [InlineData("text:leave", "\"text leave\"")]
    [InlineData("\"quoted\" words", "\"quoted\" OR \"words\"")]
    [InlineData("NOT budget AND forecast", "\"budget\" OR \"forecast\"")]
    [InlineData("(alpha) ^beta -gamma +delta", "\"alpha\" OR \"beta\" OR \"gamma\" OR \"delta\"")]
    [InlineData("it's", "\"it s\"")]
    [InlineData("broken\uD800surrogate", "\"broken surrogate\"")]
    public void Build_TurnsSyntaxIntoPlainTerms(string text, string expected)
    {
        var query = FtsQuery.Build(text);

        Assert.Equal(expected, query);
        Assert.Matches(SafeShape(), query);
    }

    [Theory]
    [InlineData("81,797", "\"81 797\"")]
    [InlineData("$1,234.56", "\"1 234 56\"")]
    [InlineData("revenue in 2023", "\"revenue\" OR \"2023\"")]
    [InlineData("GPT-4 Q3", "\"gpt 4\" OR \"q3\"")]
    public void Build_KeepsNumbersAsTheTokenizerSplitsThem(string text, string expected) =>
        Assert.Equal(expected, FtsQuery.Build(text));

    [Fact]
    public void Build_DropsStopWords_ButNotWhenNothingElseIsLeft()
    {
        Assert.Equal("\"capital\" OR \"france\"", FtsQuery.Build("What is the capital of France?"));
        Assert.Equal("\"the\" OR \"who\"", FtsQuery.Build("The Who"));
    }

    [Fact]
    public void Build_LowerCasesAndDeduplicates()
    {
        Assert.Equal("\"café\" OR \"paris\"", FtsQuery.Build("CAFÉ café Paris PARIS"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \t\n ")]
    [InlineData("*** ?! \"\" () -- ::")]
    [InlineData("\u0301\u0301")]
    public void Build_WithNothingSearchable_IsNull(string? text) => Assert.Null(FtsQuery.Build(text));

    [Fact]
    public void Build_CapsTheNumberOfTerms()
    {
        var text = string.Join(' ', Enumerable.Range(0, 100).Select(i => $"word{i}"));

        var query = FtsQuery.Build(text)!;

        Assert.Equal(FtsQuery.MaxTerms, query.Split(" OR ").Length);
    }

    [Fact]
    public void Build_NeverLetsAQuoteThrough()
    {
        var query = FtsQuery.Build("a\"b \"\"\" c\"\"d \u201Cfancy\u201D");

        Assert.Equal("\"a b\" OR \"c d\" OR \"fancy\"", query);
    }
}
