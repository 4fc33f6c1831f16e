using DocQa.Core.Retrieval;
using DocQa.Core.Understanding;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Tests.Retrieval;

public class SubjectPreferenceTests
{
    private static InMemoryStore TwoReports() => new InMemoryStore()
        .Add("report-a.pdf", "Contoso Ltd. Annual report for the year ended June 30, 2023.", "Revenue grew to 120 million. Revenue rose in every region.")
        .Add("report-b.pdf", "Fabrikam Inc. Annual report for the year ended June 30, 2023.", "Revenue grew to 80 million.");

    [Fact]
    public async Task Passages_of_documents_whose_opening_names_the_question_entity_come_first()
    {
        var store = TwoReports();
        var question = new SearchRequest("main", "How much did Fabrikam's revenue grow in every region?", Top: 2);

        var plain = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions())).SearchAsync(question);
        var preferring = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), new DocumentSubjects(store)).SearchAsync(question);

        Assert.Equal("report-a.pdf", plain[0].FileName);
        Assert.Equal("report-b.pdf", preferring[0].FileName);
    }

    [Fact]
    public async Task A_document_whose_metadata_names_the_question_entity_comes_first()
    {
        // Neither opening names the company; the metadata read at ingestion (or a tag) does.
        var store = new InMemoryStore()
            .Add("report-a.pdf", new Dictionary<string, string> { ["organization"] = "Contoso Ltd" },
                "Annual report for the year ended June 30, 2023.", "Revenue grew to 120 million. Revenue rose in every region.")
            .Add("report-b.pdf", new Dictionary<string, string> { ["organization"] = "Fabrikam Inc." },
                "Annual report for the year ended June 30, 2023.", "Revenue grew to 80 million.");
        var question = new SearchRequest("main", "How much did Fabrikam's revenue grow in every region?", Top: 2);

        var preferring = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), new DocumentSubjects(store)).SearchAsync(question);

        Assert.Equal("report-b.pdf", preferring[0].FileName);
    }

    [Fact]
    public async Task A_document_whose_metadata_names_the_question_quarter_comes_first()
    {
        var store = new InMemoryStore()
            .Add("update-a.pdf", new Dictionary<string, string> { ["fiscalYear"] = "2024", ["fiscalQuarter"] = "2" },
                "Business update.", "Revenue grew to 120 million. Revenue rose in every region.")
            .Add("update-b.pdf", new Dictionary<string, string> { ["fiscalYear"] = "2024", ["fiscalQuarter"] = "1" },
                "Business update.", "Revenue grew to 80 million.");
        var question = new SearchRequest("main", "How much did revenue grow in every region in Q1 2024?", Top: 2);

        var preferring = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), new DocumentSubjects(store)).SearchAsync(question);

        Assert.Equal("update-b.pdf", preferring[0].FileName);
    }

    [Theory]
    [InlineData("2024 Q1 update.pdf")]
    [InlineData("contoso_FY2024Q1_update.pdf")]
    [InlineData("Q1 2024 business update.pdf")]
    public async Task A_document_whose_title_names_the_question_quarter_comes_first(string title)
    {
        // Neither the text nor the metadata names a quarter; the file names do.
        var store = new InMemoryStore()
            .Add("2024 Q2 update.pdf", "Business update.", "Revenue grew to 120 million. Revenue rose in every region.")
            .Add(title, "Business update.", "Revenue grew to 80 million.");
        var question = new SearchRequest("main", "How much did revenue grow in every region in Q1 2024?", Top: 2);

        var plain = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions())).SearchAsync(question);
        var preferring = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), new DocumentSubjects(store)).SearchAsync(question);

        Assert.Equal("2024 Q2 update.pdf", plain[0].FileName);
        Assert.Equal(title, preferring[0].FileName);
    }

    [Fact]
    public void A_title_naming_several_quarters_names_none()
    {
        Assert.Equal((3, 2023), DocumentSubjects.Read("d", "2023 Q3 AAPL.pdf", []).Quarter);
        Assert.Null(DocumentSubjects.Read("d", "Q1 2023 to Q3 2023 summary.pdf", []).Quarter);
        Assert.Null(DocumentSubjects.Read("d", "annual report 2023.pdf", []).Quarter);
    }

    [Fact]
    public async Task A_word_search_that_misses_the_named_company_s_passages_searches_its_documents_too()
    {
        // The report names its company on its cover only (not in its file name, which headings carry); ten others
        // match more of the question's other words.
        var store = new InMemoryStore().Add("report-q3.pdf", "Contoso Ltd. Quarterly report.", "Our accounting policies did not change during the quarter.");
        for (var i = 0; i < 10; i++)
            store.Add($"report-{i}.pdf", $"Company {i} quarterly report.", $"Significant changes in accounting policies were reported in quarter {i}.");
        var question = new SearchRequest("main", "Were there significant changes in accounting policies reported by Contoso?", Top: 2, Mode: RetrievalMode.Keyword);

        RetrievalOptions Options(bool searchSubjects) => new() { CandidatesPerMode = 4, SearchSubjectDocuments = searchSubjects, ContextChars = 0 };
        var unscoped = await new Retriever(store, new HashEmbedder(), Microsoft.Extensions.Options.Options.Create(Options(false)), new DocumentSubjects(store)).SearchAsync(question);
        var scoped = await new Retriever(store, new HashEmbedder(), Microsoft.Extensions.Options.Options.Create(Options(true)), new DocumentSubjects(store)).SearchAsync(question);

        Assert.DoesNotContain(unscoped, p => p.Text.Contains("did not change", StringComparison.Ordinal));
        Assert.Equal(["report-q3.pdf", "report-q3.pdf"], scoped.Select(p => p.FileName));
        Assert.Contains(scoped, p => p.Text.Contains("did not change", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_names_or_dates_in_the_question_the_order_stays()
    {
        var store = TwoReports();
        var question = new SearchRequest("main", "How much did revenue grow in every region?", Top: 4);

        var plain = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions())).SearchAsync(question);
        var preferring = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), new DocumentSubjects(store)).SearchAsync(question);

        Assert.Equal(plain.Select(p => p.ChunkId), preferring.Select(p => p.ChunkId));
    }

    [Fact]
    public async Task A_question_across_periods_hears_every_document_about_its_subject_first()
    {
        var store = new InMemoryStore()
            .Add("handbook-2023.txt", "Contoso employee handbook 2023.", "Parental leave is 20 weeks of paid parental leave.",
                "Parental leave requests for paid parental leave go to HR.", "Paid parental leave may be split.")
            .Add("handbook-2022.txt", "Contoso employee handbook 2022.", "Parental leave is 16 weeks.")
            .Add("handbook-2021.txt", "Contoso employee handbook 2021.", "Parental leave is 12 weeks.")
            .Add("fabrikam.txt", "Fabrikam handbook.", "Paid parental leave at Fabrikam is 10 weeks of paid parental leave.");
        var retriever = new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), new DocumentSubjects(store));

        var across = await retriever.SearchAsync(new SearchRequest("main", "How has Contoso's paid parental leave changed over the years?", Top: 3));
        var single = await retriever.SearchAsync(new SearchRequest("main", "How much paid parental leave does Contoso give?", Top: 3));

        Assert.Equal(["handbook-2021.txt", "handbook-2022.txt", "handbook-2023.txt"], across.Select(p => p.FileName).Order());
        Assert.Equal(["handbook-2023.txt", "handbook-2023.txt"], single.Select(p => p.FileName).Take(2));
    }

    [Fact]
    public async Task A_question_about_the_latest_document_prefers_the_newest_of_those_about_its_subject()
    {
        var store = new InMemoryStore()
            .Add("handbook-a.txt", "Contoso employee handbook, effective January 1, 2021.", "Parental leave is 12 weeks of paid parental leave for every parent.")
            .Add("handbook-c.txt", "Contoso employee handbook, effective January 1, 2023.", "Parental leave is 20 weeks.")
            .Add("handbook-b.txt", "Contoso employee handbook, effective January 1, 2022.", "Parental leave is 16 weeks.")
            .Add("fabrikam.txt", "Fabrikam handbook, effective March 1, 2024.", "Parental leave is 10 weeks.");
        var retriever = new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), new DocumentSubjects(store));

        var latest = await retriever.SearchAsync(new SearchRequest("main", "How much paid parental leave for every parent does Contoso's latest handbook give?", Top: 3));
        var any = await retriever.SearchAsync(new SearchRequest("main", "How much paid parental leave for every parent does Contoso's handbook give?", Top: 3));

        Assert.Equal("handbook-c.txt", latest[0].FileName);
        Assert.Equal("handbook-a.txt", any[0].FileName);
    }

    [Fact]
    public async Task A_question_about_one_quarter_goes_to_the_report_that_names_that_quarter()
    {
        var store = new InMemoryStore()
            .Add("q3.txt", "Contoso quarterly report for the quarter ended September 30, 2023.",
                "Revenue for the third quarter of 2023 was 30 million; revenue for the first nine months was 60 million.")
            .Add("q1.txt", "Contoso quarterly report for the quarter ended March 31, 2023.",
                "Customers served in the first quarter of 2023 numbered 400.", "Summary of results: revenue 10 million, up from 8 million.");
        const string question = "What was Contoso revenue for the first quarter of 2023?";

        var embedder = new HashEmbedder();
        var focused = await new Retriever(store, embedder, Options.Create(new RetrievalOptions()), new DocumentSubjects(store))
            .SearchAsync(new SearchRequest("main", question, Top: 3));
        var unfocused = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions { FocusOnPeriodDocument = false }), new DocumentSubjects(store))
            .SearchAsync(new SearchRequest("main", question, Top: 3));

        Assert.Equal("q3.txt", unfocused[0].FileName);
        Assert.Equal(["q1.txt", "q1.txt", "q1.txt"], focused.Take(3).Select(p => p.FileName));
        // The search within the quarter's report reuses the question's vector.
        Assert.Equal(1, embedder.Calls);
    }
}
