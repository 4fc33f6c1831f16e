using System.Net.Http.Json;
using DocQa.Contracts;
using DocQa.Core.Documents;

namespace DocQa.Server.Tests;

/// <summary>The acceptance check on a real 10-Q filing; it needs ../shared/eval beside the repository and skips without it.</summary>
[Collection(ServerCollection.Name)]
public sealed class SecFilingTests(DocQaServerFactory factory)
{
    [SkippableFact]
    public async Task Apple_10Q_answers_total_net_sales_with_a_page_citation()
    {
        var path = SecFilings.Filing("2023 Q3 AAPL.pdf");
        Skip.If(path is null, SecFilings.Missing);
        var client = factory.CreateClient();

        var upload = await client.UploadAsync("sec", "2023 Q3 AAPL.pdf", await File.ReadAllBytesAsync(path!));
        var document = await client.WaitForDocumentAsync("sec", (await upload.ReadAsync<DocumentDto>()).Id);
        Assert.Equal(DocumentStatus.Ready, document.Status);
        Assert.Equal(29, document.Pages);

        var answer = await (await client.PostAsJsonAsync("/v1/indexes/sec/ask",
            new { question = "What were Apple's total net sales for the quarter ended July 1, 2023?" })).ReadAsync<AskResponseDto>();

        Assert.False(answer.NoAnswer);
        Assert.Contains("81,797", answer.Answer);
        var cited = answer.Citations.Where(c => c.Referenced && c.Text.Contains("81,797") && answer.Answer.Contains($"[{c.N}]")).ToList();
        Assert.NotEmpty(cited);
        Assert.All(cited, c => Assert.Equal("2023 Q3 AAPL.pdf", c.FileName));
        Assert.All(cited, c => Assert.InRange(c.Page, 1, 29));
    }
}
