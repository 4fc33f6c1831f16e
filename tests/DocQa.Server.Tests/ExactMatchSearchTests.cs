using System.Net.Http.Json;
using System.Text;
using DocQa.Contracts;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;
using DocQa.Core.Understanding;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocQa.Server.Tests;

/// <summary>
/// A hybrid search keeps an exact match on top. The index is small and made so that the embeddings prefer near misses
/// (financial tables for a line of Lincoln, other billions for "7.19 billion") while only one passage holds the query.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ExactMatchSearchTests
{
    private const string Investments = """
        # Northwind Traders quarterly report

        ## Net recognized gains (losses) on investments

        Net recognized gains (losses) on debt investments were as follows:

        | (In millions) | Three Months Ended March 31, 2023 | Three Months Ended March 31, 2022 | Nine Months Ended March 31, 2023 | Nine Months Ended March 31, 2022 |
        | --- | --- | --- | --- | --- |
        | Realized gains from sales of available-for-sale securities | $ 12 | $ 38 | $ 41 | $ 95 |
        | Realized losses from sales of available-for-sale securities | (64) | (21) | (170) | (52) |
        | Impairments and allowance for credit losses | (7) | (3) | (25) | (9) |
        | Total | $ (59) | $ 14 | $ (154) | $ 34 |

        Realized losses on debt investments were the highest in seven years.

        Net recognized gains (losses) on equity investments were as follows:

        | (In millions) | Three Months Ended March 31, 2023 | Three Months Ended March 31, 2022 | Nine Months Ended March 31, 2023 | Nine Months Ended March 31, 2022 |
        | --- | --- | --- | --- | --- |
        | Net realized gains on investments sold | $ 5 | $ 29 | $ 61 | $ 210 |
        | Net unrealized gains (losses) on investments still held | 17 | (81) | (44) | 118 |
        | Impairments of investments | (3) | (6) | (18) | (11) |
        | Total | $ 19 | $ (58) | $ (1) | $ 317 |

        ## Liquidity

        We fund the business mainly from operating cash flows and from cash, cash equivalents and marketable securities, which stood at $70.0 billion on December 31, 2022 and $64.4 billion on March 31, 2023, of which $18.3 billion and $17.9 billion were held in foreign currencies. Operating activities provided $4.6 billion of cash in the three months ended March 31, 2022 and $2.1 billion in the same months of 2023.

        ## Outlook

        We expect operating income of $2.0 billion to $5.5 billion next quarter, against $3.3 billion in the second quarter of 2022, with exchange rates taking about 30 basis points off.
        """;

    private const string Property = """
        # Northwind Traders quarterly report

        ## Property and equipment

        Property and equipment are stated at cost less accumulated depreciation. Buildings are depreciated over thirty years, computer hardware over four years and furniture and fixtures over seven years, on a straight-line basis.

        | (In millions) | March 31, 2023 | June 30, 2022 |
        | --- | --- | --- |
        | Land | $ 512 | $ 498 |
        | Buildings and improvements | 9,871 | 9,402 |
        | Computer equipment and software | 6,215 | 5,930 |
        | Furniture and equipment | 1,104 | 1,077 |
        | Total, at cost | 17,702 | 16,907 |
        | Accumulated depreciation | (7,388) | (6,812) |
        | Total, net | $ 10,314 | $ 10,095 |

        ## Segments

        We report four segments: retail, wholesale, logistics and services. Segment results for prior years were recast to match the way we manage the business today.
        """;

    private const string Overview = """
        # Contoso Graphics quarterly report

        ## First quarter summary

        We sell into data centers, gaming, professional visualization and automotive. We continued to invest in new chip architectures, in software libraries for developers and in the networking products that connect large clusters of accelerators. Supply remained tight for our newest products while demand for older gaming products softened in several regions.

        Revenue for the first quarter of fiscal year 2024 was $7.19 billion, down 13% from a year ago and up 19% sequentially.
        """;

    [Theory]
    [InlineData("arctic-embed-xs", "Four score and seven years ago", "gettysburg-address.txt")]
    [InlineData("arctic-embed-xs", "7.19 billion", "contoso-overview.md")]
    [InlineData("all-minilm-l6-v2", "Four score and seven years ago", "gettysburg-address.txt")]
    [InlineData("all-minilm-l6-v2", "7.19 billion", "contoso-overview.md")]
    public async Task Hybrid_search_ranks_the_passage_holding_the_query_first(string model, string query, string holder)
    {
        using var factory = new DocQaServerFactory { Configure = builder => builder.UseSetting("Embeddings:Model", model) };
        const string index = "exact";
        var client = factory.CreateClient();
        foreach (var (fileName, content) in Documents())
        {
            var upload = await client.UploadAsync(index, fileName, content);
            Assert.Equal(DocumentStatus.Ready, (await client.WaitForDocumentAsync(index, (await upload.ReadAsync<DocumentDto>()).Id)).Status);
        }

        var results = (await (await client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query, top = 3, mode = "hybrid" }))
            .ReadAsync<SearchResponseDto>()).Results;

        Assert.Equal(holder, results[0].FileName);
        Assert.Contains(query, results[0].Text);

        // The premise, with all-MiniLM-L6-v2: fused with the keyword list's fixed weight alone, a near miss of the
        // embeddings comes first (snowflake-arctic-embed-xs finds both passages by itself).
        if (model != "all-minilm-l6-v2") return;
        var services = factory.Services;
        var plainFusion = new Retriever(services.GetRequiredService<ISearchIndex>(),
            services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            Options.Create(new RetrievalOptions { KeywordLeadWindow = 0, DocumentLead = 0 }), services.GetRequiredService<DocumentSubjects>());
        var plain = await plainFusion.SearchAsync(new SearchRequest(index, query, 3));
        Assert.NotEqual(holder, plain[0].FileName);
    }

    [Fact]
    public async Task Who_delivered_a_speech_is_answered_from_the_head_of_its_text()
    {
        using var factory = new DocQaServerFactory();
        const string index = "speeches";
        var client = factory.CreateClient();
        foreach (var (fileName, content) in Documents())
            await client.WaitForDocumentAsync(index, (await (await client.UploadAsync(index, fileName, content)).ReadAsync<DocumentDto>()).Id);

        var answer = await (await client.PostAsJsonAsync($"/v1/indexes/{index}/ask", new { question = "Who delivered the Gettysburg Address?" }))
            .ReadAsync<AskResponseDto>();

        Assert.False(answer.NoAnswer, answer.NoAnswerReason);
        Assert.Contains("Abraham Lincoln", answer.Answer);
        Assert.Contains(answer.Citations, c => c.Referenced && c.FileName == "gettysburg-address.txt");
    }

    private static IEnumerable<(string FileName, byte[] Content)> Documents()
    {
        yield return ("gettysburg-address.txt", File.ReadAllBytes(Path.Combine(RepositoryRoot(), "data", "samples", "gettysburg-address.txt")));
        yield return ("northwind-investments.md", Encoding.UTF8.GetBytes(Investments));
        yield return ("northwind-property.md", Encoding.UTF8.GetBytes(Property));
        yield return ("contoso-overview.md", Encoding.UTF8.GetBytes(Overview));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DocQa.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (DocQa.sln) is not above the test binaries");
    }
}
