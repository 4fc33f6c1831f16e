using System.Net.Http.Json;
using DocQa.Contracts;
using DocQa.Core.Documents;

namespace DocQa.Server.Tests;

/// <summary>A two-turn conversation over real 10-Q filings, on the embedded store with extractive answers; skips without ../shared/eval.</summary>
[Collection(ServerCollection.Name)]
public sealed class FollowUpTests(DocQaServerFactory factory)
{
    private const string Index = "sec-follow-up";

    [SkippableFact]
    public async Task The_quarter_before_retrieves_the_earlier_filing_of_the_same_company()
    {
        var folder = SecFilings.Folder();
        Skip.If(folder is null, SecFilings.Missing);
        var client = factory.CreateClient();
        foreach (var name in new[] { "2023 Q3 AAPL.pdf", "2023 Q2 AAPL.pdf", "2023 Q2 AMZN.pdf" })
        {
            var upload = await client.UploadAsync(Index, name, await File.ReadAllBytesAsync(Path.Combine(folder!, name)));
            Assert.Equal(DocumentStatus.Ready, (await client.WaitForDocumentAsync(Index, (await upload.ReadAsync<DocumentDto>()).Id)).Status);
        }
        const string first = "What were Apple's total net sales for the quarter ended July 1, 2023?";

        var firstAnswer = await (await client.PostAsJsonAsync($"/v1/indexes/{Index}/ask", new { question = first })).ReadAsync<AskResponseDto>();
        var followUp = await (await client.PostAsJsonAsync($"/v1/indexes/{Index}/ask", new
        {
            question = "And for the quarter before?",
            history = new[] { new { question = first, answer = firstAnswer.Answer } },
        })).ReadAsync<AskResponseDto>();

        Assert.Equal("2023 Q3 AAPL.pdf", firstAnswer.Citations.First(c => c.Referenced).FileName);
        Assert.False(followUp.NoAnswer, followUp.NoAnswerReason);
        Assert.Equal("What were Apple's total net sales for the quarter ended April 1, 2023?", followUp.StandaloneQuestion);
        Assert.Equal("2023 Q2 AAPL.pdf", followUp.Citations[0].FileName);
        Assert.Equal("2023 Q2 AAPL.pdf", followUp.Citations.First(c => c.Referenced).FileName);
    }
}
