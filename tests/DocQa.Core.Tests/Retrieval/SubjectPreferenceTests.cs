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
    public async Task Without_names_or_dates_in_the_question_the_order_stays()
    {
        var store = TwoReports();
        var question = new SearchRequest("main", "How much did revenue grow in every region?", Top: 4);

        var plain = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions())).SearchAsync(question);
        var preferring = await new Retriever(store, new HashEmbedder(), Options.Create(new RetrievalOptions()), new DocumentSubjects(store)).SearchAsync(question);

        Assert.Equal(plain.Select(p => p.ChunkId), preferring.Select(p => p.ChunkId));
    }
}
