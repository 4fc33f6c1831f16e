using DocQa.Core.Answering;
using DocQa.Core.Answering.Generation;
using DocQa.Core.Retrieval;
using DocQa.Core.Understanding;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Tests;

/// <summary>The evidence check on a handbook, a contract and a wiki page, through the ask service as the server and the CLI use it.</summary>
public class EvidenceCheckTests
{
    private static InMemoryStore Library() => new InMemoryStore()
        .Add("Contoso Employee Handbook.pdf",
            "Contoso Ltd. Employee Handbook. Effective January 1, 2024.",
            "Vacation. Every employee receives 25 days of paid vacation per calendar year.",
            "Parental leave. Employees may take 16 weeks of paid parental leave after the birth or adoption of a child.",
            "Remote work. Employees may work from home up to three days a week with their manager's approval.")
        .Add("Services Agreement.docx",
            "Master Services Agreement made as of March 3, 2021 between Fabrikam Inc. and Northwind Traders.",
            "Fees. Fabrikam shall pay Northwind a monthly fee of $12,000 for the services.",
            "Term. The agreement terminates on December 31, 2026 unless renewed in writing.")
        .Add("Harbor Lighthouse.html",
            "Harbor Lighthouse is a lighthouse on the coast of Maine.",
            "History. Harbor Lighthouse was built in 1891 from granite blocks.",
            "Keepers lived in the tower until the light was automated.");

    private static AskService Ask(InMemoryStore store, IAnswerGenerator? answerer = null)
    {
        var embedder = new HashEmbedder();
        var retriever = new Retriever(store, embedder, Options.Create(new RetrievalOptions()));
        return new AskService(retriever, answerer ?? new ExtractiveAnswerer(embedder), new EvidenceCheck(store, new DocumentSubjects(store)));
    }

    private static async Task<Answer> AskAsync(string question, IAnswerGenerator? answerer = null) =>
        (await Ask(Library(), answerer).AskAsync(new AskRequest("main", question, Top: 3))).Answer;

    [Theory]
    [InlineData("How many weeks of parental leave do employees get?", "16 weeks", "Contoso Employee Handbook.pdf")]
    [InlineData("How many vacation days do Contoso employees receive?", "25 days", "Contoso Employee Handbook.pdf")]
    [InlineData("What monthly fee does Fabrikam pay Northwind?", "$12,000", "Services Agreement.docx")]
    [InlineData("When does the agreement terminate?", "December 31, 2026", "Services Agreement.docx")]
    [InlineData("What happens on December 31, 2026?", "December 31, 2026", "Services Agreement.docx")]
    [InlineData("When was Harbor Lighthouse built?", "1891", "Harbor Lighthouse.html")]
    [InlineData("What was the monthly fee in 2022?", "$12,000", "Services Agreement.docx")]
    public async Task Answers_questions_the_documents_support(string question, string expected, string file)
    {
        var answer = await AskAsync(question);

        Assert.False(answer.NoAnswer, answer.NoAnswerReason);
        Assert.True(answer.Text.Contains(expected), answer.Text);
        Assert.Contains(expected, answer.Text);
        Assert.Contains(answer.Citations, c => c.Referenced && c.FileName == file);
    }

    [Theory]
    [InlineData("What is Tesla's parental leave policy?", "none of the documents mention Tesla")]
    [InlineData("Who is the Prime Minister of Japan?", "none of the documents mention Prime Minister of Japan")]
    [InlineData("When did Globex sign with Fabrikam?", "none of the documents mention Globex")]
    public async Task A_name_no_document_mentions_gets_no_answer_naming_it(string question, string reason)
    {
        var answer = await AskAsync(question);

        Assert.True(answer.NoAnswer);
        Assert.Equal(ExtractiveAnswerer.NotFoundText, answer.Text);
        Assert.Equal(reason, answer.NoAnswerReason);
        Assert.Empty(answer.Citations);
    }

    [Fact]
    public async Task A_period_outside_the_documents_gets_no_answer_naming_what_they_cover()
    {
        var answer = await AskAsync("What was the monthly fee in March 2015?");

        Assert.True(answer.NoAnswer);
        Assert.Equal("the documents cover March 2021 to January 2024, not March 2015", answer.NoAnswerReason);
    }

    [Fact]
    public async Task Who_made_a_document_is_answered_from_the_head_of_the_document_titled_with_its_name()
    {
        var store = Library().Add("The Gettysburg Address.txt",
            "The Gettysburg Address\nAbraham Lincoln, November 19, 1863",
            "Four score and seven years ago our fathers brought forth on this continent, a new nation, conceived in Liberty.");
        var reader = new PassageReader();

        var made = (await Ask(store, reader).AskAsync(new AskRequest("main", "Who delivered the Gettysburg Address?", Top: 3))).Answer;
        var role = (await Ask(store).AskAsync(new AskRequest("main", "Who leads Contoso?", Top: 3))).Answer;

        Assert.False(made.NoAnswer, made.NoAnswerReason);
        Assert.Contains(reader.Passages, p => p.FileName == "The Gettysburg Address.txt" && p.Text.Contains("Abraham Lincoln"));
        // The handbook is titled Contoso, but no passage of it says who leads it.
        Assert.True(role.NoAnswer, role.Text);
        Assert.Equal("no passage about Contoso is about the question", role.NoAnswerReason);
    }

    /// <summary>Answers with the passages it was given, which the test reads.</summary>
    private sealed class PassageReader : IAnswerGenerator
    {
        public IReadOnlyList<Passage> Passages { get; private set; } = [];
        public string Mode => AnswerModes.Extractive;

        public Task<Answer> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
        {
            Passages = passages;
            return Task.FromResult(new Answer("read", Mode, NoAnswer: false, NoAnswerReason: null, []));
        }
    }

    [Theory]
    [InlineData("What is the recipe for a classic margherita pizza?")]
    [InlineData("How many players are on a soccer team?")]
    public async Task An_off_topic_question_gets_no_answer(string question)
    {
        var answer = await AskAsync(question);

        Assert.True(answer.NoAnswer);
        Assert.Equal("no passage is about the question", answer.NoAnswerReason);
    }

    [Fact]
    public async Task A_name_asked_about_as_an_owner_needs_its_own_document_or_a_passage_naming_it_as_owner()
    {
        var store = Library().Add("Northwind Annual Report 2023.pdf",
            "Northwind Traders Annual Report for the year ended December 31, 2023.",
            "Revenue. Northwind's revenue was $4.2 million in 2023.",
            "Partners. Revenue from our partnership with Fabrikam was $1.1 million in 2023.");

        var partner = (await Ask(store).AskAsync(new AskRequest("main", "What was Fabrikam's revenue in 2023?", Top: 3))).Answer;
        var own = (await Ask(store).AskAsync(new AskRequest("main", "What was Northwind's revenue in 2023?", Top: 3))).Answer;

        Assert.True(partner.NoAnswer, partner.Text);
        Assert.False(own.NoAnswer, own.NoAnswerReason);
        Assert.Contains("$4.2 million", own.Text);
    }

    [Fact]
    public async Task Passages_of_documents_not_about_a_named_subject_are_not_evidence()
    {
        // Northwind is named only by the contract: the handbook's leave passage is no evidence about it.
        var answer = await AskAsync("What is Northwind's parental leave policy?");

        Assert.True(answer.NoAnswer);
        Assert.Equal("no passage about Northwind is about the question", answer.NoAnswerReason);
    }

    [Fact]
    public async Task Generated_mode_never_calls_the_model_without_evidence()
    {
        var model = new ScriptedModel("Tesla offers", " nothing [1]");
        var answerer = new GeneratedAnswerer(model, new GenerationGate(1, 4), new GenerationOptions { MaxAnswerTokens = 64 }, NullLogger<GeneratedAnswerer>.Instance);
        var ask = Ask(Library(), answerer);

        var answer = (await ask.AskAsync(new AskRequest("main", "What is Tesla's parental leave policy?"))).Answer;
        var started = await ask.StartAsync(new AskRequest("main", "What is the recipe for a classic margherita pizza?"));
        var updates = new List<AnswerUpdate>();
        await foreach (var update in started.Session.Updates) updates.Add(update);

        Assert.Equal(0, model.Started);
        Assert.True(answer.NoAnswer);
        Assert.Equal((AnswerModes.Generated, GroundedPromptBuilder.NoAnswerText, "none of the documents mention Tesla", "scripted"),
            (answer.Mode, answer.Text, answer.NoAnswerReason, answer.Model));
        var completed = Assert.IsType<AnswerCompleted>(updates[^1]).Answer;
        Assert.True(completed.NoAnswer);
        Assert.Equal("no passage is about the question", completed.NoAnswerReason);
        Assert.Empty(started.Session.Citations);
    }

    [Fact]
    public async Task Generated_mode_prompts_with_the_passages_that_passed_only()
    {
        var model = new ScriptedModel("Sixteen weeks [1]");
        var answerer = new GeneratedAnswerer(model, new GenerationGate(1, 4), new GenerationOptions { MaxAnswerTokens = 64 }, NullLogger<GeneratedAnswerer>.Instance);

        var answer = (await Ask(Library(), answerer).AskAsync(new AskRequest("main", "How many weeks of parental leave do Contoso employees get?", Top: 3))).Answer;

        Assert.Equal(1, model.Started);
        Assert.False(answer.NoAnswer);
        Assert.All(answer.Citations, c => Assert.Equal("Contoso Employee Handbook.pdf", c.FileName));
        Assert.DoesNotContain("Fabrikam", model.LastPrompt![^1].Text);
    }

    [Fact]
    public async Task The_check_reads_the_opening_page_as_the_documents_subject()
    {
        var store = Library();
        var subjects = await new DocumentSubjects(store).ListAsync("main");

        var contract = subjects.Single(s => s.FileName == "Services Agreement.docx");
        Assert.True(contract.Names(["northwind", "trader"]));
        Assert.Equal((new DateOnly(2021, 2, 24), new DateOnly(2021, 3, 10)), (contract.Start, contract.End));
        var wiki = subjects.Single(s => s.FileName == "Harbor Lighthouse.html");
        Assert.Null(wiki.Start);
    }

    [Fact]
    public async Task Switched_off_the_check_passes_every_passage()
    {
        var store = Library();
        var check = new EvidenceCheck(store, new DocumentSubjects(store), new EvidenceOptions { Enabled = false });
        var passages = await store.KeywordSearchAsync("main", "leave", 5, SearchFilter.None);

        var result = await check.CheckAsync("main", "What is Tesla's leave policy?", passages, 5);

        Assert.True(result.Passed);
        Assert.Equal(passages.Count, result.Supported.Count);
    }

    [Fact]
    public async Task A_streamed_answer_times_the_work_done_before_its_first_piece()
    {
        var embedder = new HashEmbedder();
        var slow = new SlowStartAnswerer(new ExtractiveAnswerer(embedder), TimeSpan.FromMilliseconds(150));

        var started = await Ask(Library(), slow).StartAsync(new AskRequest("main", "When was Harbor Lighthouse built?", Top: 3));
        using var session = started.Session;
        await foreach (var _ in session.Updates) { }

        Assert.InRange(started.AnswerElapsedMs(), 150, 10_000);
    }

    /// <summary>An answerer that does its work before the stream starts, as the extractive one does.</summary>
    private sealed class SlowStartAnswerer(IAnswerGenerator inner, TimeSpan delay) : IAnswerGenerator
    {
        public string Mode => inner.Mode;

        public async Task<Answer> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.AnswerAsync(question, passages, cancellationToken);
        }
    }

    [Fact]
    public async Task Passages_that_pass_carry_their_documents_company_and_period_into_the_answer_and_the_prompt()
    {
        var store = new InMemoryStore().Add("Q3 report.pdf",
            new Dictionary<string, string> { ["organization"] = "CONTOSO LTD.", ["period"] = "QUARTERLY PERIOD ENDED September 30, 2023" },
            "Contoso Ltd. quarterly report for the quarterly period ended September 30, 2023.",
            "Revenue. Contoso revenue for the third quarter was $14.2 billion.");
        var model = new ScriptedModel("$14.2 billion [1]");
        var generated = new GeneratedAnswerer(model, new GenerationGate(1, 4), new GenerationOptions { MaxAnswerTokens = 64 }, NullLogger<GeneratedAnswerer>.Instance);

        var extractive = (await Ask(store).AskAsync(new AskRequest("main", "What was Contoso revenue in the third quarter of 2023?", Top: 2))).Answer;
        await Ask(store, generated).AskAsync(new AskRequest("main", "What was Contoso revenue in the third quarter of 2023?", Top: 2));

        Assert.Contains("$14.2 billion. [", extractive.Text);
        Assert.EndsWith("(Contoso Ltd., quarterly period ended September 30, 2023)", extractive.Text);
        Assert.Contains("about=\"Contoso Ltd., quarterly period ended September 30, 2023\"", model.LastPrompt![^1].Text);
    }

    [Theory]
    [InlineData("Acme Corporation", "Effective March 1, 2024", "Acme Corporation, effective March 1, 2024")]
    [InlineData(null, "January 1, 2024 to December 31, 2024", "January 1, 2024 to December 31, 2024")]
    [InlineData("AMAZON.COM, INC.", "Quarterly Period Ended June 30, 2023", "Amazon.com, Inc., quarterly period ended June 30, 2023")]
    [InlineData("Acme Corporation", null, null)]
    public void A_documents_source_names_its_organisation_and_period_as_a_sentence_would(string? organization, string? period, string? expected)
    {
        var metadata = new Dictionary<string, string>();
        if (organization is not null) metadata["organization"] = organization;
        if (period is not null) metadata["period"] = period;

        var subject = DocumentSubjects.Read("d", "Report.pdf", [], metadata);

        Assert.Equal(expected, subject.Source);
    }
}

