using System.Net;
using System.Net.Http.Json;
using DocQa.Contracts;
using DocQa.Core.Documents;

namespace DocQa.Server.Tests;

/// <summary>
/// Scanned documents through the real server: uploaded, read by Tesseract in the extraction worker, asked about, cited
/// on their page. Skipped, with the reason, where Tesseract or pdftoppm is not installed.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ScannedDocumentTests(DocQaServerFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [SkippableFact]
    public async Task A_scanned_pdf_answers_with_the_page_of_its_sentence()
    {
        Skip.If(ScannedDocuments.WhyOcrCannotRun is not null, ScannedDocuments.WhyOcrCannotRun);
        const string index = "scanned";
        byte[] pdf = ScannedDocuments.Pdf(
            ["Lease of the north pier", "Between Gull Harbor Authority and Tern Boatworks"],
            ["The tenant pays a monthly rent of 2,400 dollars", "on the first day of each month"],
            ["Either party may end the lease", "with ninety days written notice"]);

        var upload = await _client.UploadAsync(index, "pier-lease.pdf", pdf);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var ready = await _client.WaitForDocumentAsync(index, "pier-lease-pdf");
        Assert.Equal(DocumentStatus.Ready, ready.Status);
        Assert.Equal(3, ready.Pages);
        Assert.Equal([1, 2, 3], ready.PagesOcr);
        Assert.Equal(3, ready.PagesWithoutText);
        Assert.Empty(ready.Warnings);

        var ask = await _client.PostAsJsonAsync($"/v1/indexes/{index}/ask", new { question = "How much is the monthly rent?" });
        var answer = await ask.ReadAsync<AskResponseDto>();
        Assert.False(answer.NoAnswer, answer.NoAnswerReason);
        Assert.Contains("2,400", answer.Answer, StringComparison.Ordinal);
        var cited = Assert.Single(answer.Citations, c => c.Referenced && c.Text.Contains("2,400", StringComparison.Ordinal));
        Assert.Equal((2, 2), (cited.Page, cited.PageEnd));
    }

    [SkippableFact]
    public async Task A_photographed_receipt_is_a_document()
    {
        Skip.If(ScannedDocuments.WhyOcrCannotRun is not null, ScannedDocuments.WhyOcrCannotRun);
        var upload = await _client.UploadAsync("receipts", "chandlery.png", ScannedDocuments.Png("Gull Harbor chandlery", "Brass lantern 64 dollars"));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        Assert.Equal("image/png", (await upload.ReadAsync<DocumentDto>()).ContentType);

        var ready = await _client.WaitForDocumentAsync("receipts", "chandlery-png");
        Assert.Equal(DocumentStatus.Ready, ready.Status);
        Assert.Equal([1], ready.PagesOcr);

        var info = await _client.GetFromJsonAsync<InfoDto>("/v1/info", JsonDefaults.Options);
        Assert.True(info!.Ocr!.Available, info.Ocr.Problem);
        Assert.StartsWith("tesseract 5", info.Ocr.Engine, StringComparison.Ordinal);
        Assert.Equal(["eng"], info.Ocr.Languages);
    }
}
