using DocQa.Core.Understanding;

namespace DocQa.Core.Tests;

public class AcronymsTests
{
    [Fact]
    public void Reads_the_acronyms_a_text_defines_with_or_without_quotes()
    {
        var defined = Acronyms.Defined([
            "The growth in research and development (“R&D”) expense was driven by headcount.",
            "Employees accrue paid time off (PTO) monthly. The Service Level Agreement (SLA) sets response times.",
        ]);

        Assert.Equal("research and development", defined["R&D"]);
        Assert.Equal("paid time off", defined["PTO"]);
        Assert.Equal("Service Level Agreement", defined["SLA"]);
    }

    [Theory]
    [InlineData("Contoso Ltd. (the “Company”) makes pumps.")]        // a defined term, not an acronym
    [InlineData("Revenue grew in Europe (EMEA) and Asia.")]            // the words before do not spell it
    [InlineData("The committee met (see NOTE 4) twice.")]
    public void Parentheses_that_do_not_spell_out_an_acronym_define_nothing(string text)
    {
        Assert.Empty(Acronyms.Defined([text]));
    }

    [Fact]
    public void A_question_s_acronym_is_followed_by_its_long_form_once()
    {
        var defined = Acronyms.Defined(["Our paid time off (PTO) policy: new hires accrue 1.5 days of PTO per month."]);

        Assert.Equal("How much PTO (paid time off) do new hires get?", Acronyms.Expand("How much PTO do new hires get?", defined));
        // Written out already, or not defined: left as it is.
        Assert.Equal("How much paid time off (PTO) do I get?", Acronyms.Expand("How much paid time off (PTO) do I get?", defined));
        Assert.Equal("What is the SLA?", Acronyms.Expand("What is the SLA?", defined));
    }
}
