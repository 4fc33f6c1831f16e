using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocQa.Contracts;
using DocQa.Core.Documents;

namespace DocQa.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class DocumentMetadataTests(DocQaServerFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Metadata_is_derived_at_ingestion_overridden_by_tags_and_filters_search()
    {
        const string index = "metadata";
        var upload = await _client.UploadAsync(index, "harbor-q2.pdf", TestDocuments.QuarterlyReport(), tags: ["title:Harbor Q2 report"]);
        var report = await _client.WaitForDocumentAsync(index, (await upload.ReadAsync<DocumentDto>()).Id);
        var notesUpload = await _client.UploadAsync(index, "notes.txt", "Notes from the harbour crew: spare lamp bulbs are kept by the gate."u8.ToArray());
        var notes = await _client.WaitForDocumentAsync(index, (await notesUpload.ReadAsync<DocumentDto>()).Id);

        // Read from the first page; the tag "title" replaces the derived title.
        var metadata = (await _client.GetFromJsonAsync<DocumentDto>($"/v1/indexes/{index}/documents/{report.Id}", JsonDefaults.Options))!.Metadata;
        Assert.Equal("Harbor Q2 report", metadata[DocumentMetadata.Title]);
        Assert.Equal("Harbor Lights Corporation", metadata[DocumentMetadata.Organization]);
        Assert.Equal("quarterly-report", metadata[DocumentMetadata.Type]);
        Assert.Equal("2024-06-30", metadata[DocumentMetadata.PeriodEnd]);
        Assert.Equal("quarter ended June 30, 2024", metadata[DocumentMetadata.Period]);
        Assert.Equal("notes", notes.Metadata[DocumentMetadata.Title]);
        Assert.False(notes.Metadata.ContainsKey(DocumentMetadata.Organization));

        async Task<IReadOnlyList<SearchResultDto>> SearchAsync(Dictionary<string, string> wanted) =>
            (await (await _client.PostAsJsonAsync($"/v1/indexes/{index}/search",
                new { query = "spare lamp bulbs", top = 5, filter = new { metadata = wanted } })).ReadAsync<SearchResponseDto>()).Results;

        var byOrganization = await SearchAsync(new() { ["organization"] = "harbor lights corporation" });
        Assert.NotEmpty(byOrganization);
        Assert.All(byOrganization, r => Assert.Equal(report.Id, r.DocumentId));
        var byTitle = await SearchAsync(new() { ["title"] = "notes" });
        Assert.NotEmpty(byTitle);
        Assert.All(byTitle, r => Assert.Equal(notes.Id, r.DocumentId));
        Assert.Empty(await SearchAsync(new() { ["organization"] = "Lighthouse Holdings Inc." }));

        var tooMany = Enumerable.Range(0, FilterDto.MaxEntries + 1).ToDictionary(i => $"k{i}", i => "v");
        var refused = await _client.PostAsJsonAsync($"/v1/indexes/{index}/search", new { query = "lamps", filter = new { metadata = tooMany } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("metadata", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }
}
