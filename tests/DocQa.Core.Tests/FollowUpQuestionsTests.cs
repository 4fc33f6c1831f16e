using DocQa.Core.Answering;
using DocQa.Core.Retrieval;
using DocQa.Core.Understanding;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Tests;

public class FollowUpQuestionsTests
{
    private const string AppleSales = "What were Apple's total net sales for the quarter ended July 1, 2023?";

    [Theory]
    [InlineData(AppleSales, "And for the quarter before?", "What were Apple's total net sales for the quarter ended April 1, 2023?")]
    [InlineData(AppleSales, "What about Microsoft?", "What were Microsoft's total net sales for the quarter ended July 1, 2023?")]
    [InlineData(AppleSales, "and a year earlier?", "What were Apple's total net sales for the quarter ended July 1, 2022?")]
    [InlineData("What was NVIDIA's revenue in Q1 2024?", "And the previous quarter?", "What was NVIDIA's revenue in Q4 2023?")]
    [InlineData("What was Intel's gross margin in the third quarter of fiscal 2023?", "how about the next quarter?",
        "What was Intel's gross margin in the fourth quarter of fiscal 2023?")]
    [InlineData("How many lanterns did Harbor Lights sell in 2023?", "And the year before?", "How many lanterns did Harbor Lights sell in 2022?")]
    [InlineData("How many weeks of parental leave do employees get?", "And at Contoso?", "How many weeks of parental leave do employees get for Contoso?")]
    public void A_follow_up_takes_the_earlier_question_with_what_it_changes(string earlier, string followUp, string standalone) =>
        Assert.Equal(standalone, FollowUpQuestions.MakeStandalone([earlier], followUp));

    [Fact]
    public void A_new_subject_keeps_the_earlier_names_and_periods()
    {
        var standalone = FollowUpQuestions.MakeStandalone([AppleSales], "What about gross margin?");

        Assert.Equal("What about gross margin (Apple; July 1, 2023)?", standalone);
    }

    [Fact]
    public void A_question_that_points_back_carries_the_earlier_question()
    {
        var standalone = FollowUpQuestions.MakeStandalone([AppleSales], "Why did it fall?");

        Assert.Equal("Why did it fall (What were Apple's total net sales for the quarter ended July 1, 2023)?", standalone);
    }

    [Fact]
    public void Another_question_word_alone_asks_about_the_earlier_question()
    {
        var standalone = FollowUpQuestions.MakeStandalone(["Where was the Gettysburg Address delivered?"], "And when?");

        Assert.Equal("And when (Where was the Gettysburg Address delivered)?", standalone);
    }

    [Fact]
    public void Each_turn_builds_on_the_one_before()
    {
        var standalone = FollowUpQuestions.MakeStandalone([AppleSales, "And for the quarter before?"], "What about Microsoft?");

        Assert.Equal("What were Microsoft's total net sales for the quarter ended April 1, 2023?", standalone);
    }

    [Theory]
    [InlineData("What is the capital city of Australia?")]
    [InlineData("Who is the current Prime Minister of Japan?")]
    [InlineData("How much did Microsoft spend on research and development in Q2 2023?")]
    public void A_question_that_stands_on_its_own_is_left_as_it_is(string question) =>
        Assert.Equal(question, FollowUpQuestions.MakeStandalone([AppleSales], question));

    [Fact]
    public async Task The_ask_service_searches_and_answers_the_standalone_question()
    {
        var store = new InMemoryStore()
            .Add("harbor-2023.txt", "Harbor Lights Ltd. Annual report for 2023.", "In 2023 Harbor Lights sold 1,200 brass lanterns.")
            .Add("harbor-2022.txt", "Harbor Lights Ltd. Annual report for 2022.", "In 2022 Harbor Lights sold 950 brass lanterns.");
        var embedder = new HashEmbedder();
        var ask = new AskService(new Retriever(store, embedder, Options.Create(new RetrievalOptions())), new ExtractiveAnswerer(embedder),
            new EvidenceCheck(store, new DocumentSubjects(store)));

        var result = await ask.AskAsync(new AskRequest("main", "And the year before?",
            History: [new ConversationTurn("How many brass lanterns did Harbor Lights sell in 2023?", "1,200 [1]")]));
        var alone = await ask.AskAsync(new AskRequest("main", "How many brass lanterns did Harbor Lights sell in 2023?", History: []));

        Assert.Equal("How many brass lanterns did Harbor Lights sell in 2022?", result.StandaloneQuestion);
        Assert.Contains("950", result.Answer.Text);
        Assert.Null(alone.StandaloneQuestion);
    }
}
