using DocQa.Core.Answering;
using DocQa.Core.Retrieval;
using DocQa.Core.Understanding;
using Microsoft.Extensions.Options;

namespace DocQa.Core.Tests;

/// <summary>
/// The services check their requests themselves, so every front end (REST, the CLI's local mode, and any other)
/// refuses the same requests with the same messages.
/// </summary>
public class RequestValidationTests
{
    private static readonly InMemoryStore Store = new InMemoryStore()
        .Add("tides.md", "High tide at Gull Harbor comes at 6:40 in the morning.", "Low tide follows at 12:55.");

    private static readonly QueryLimits Limits = new() { MaxQuestionChars = 100, MaxTop = 8 };

    private static Retriever Retriever() =>
        new(Store, new HashEmbedder(), Options.Create(new RetrievalOptions()), limits: Options.Create(Limits));

    private static AskService Ask() =>
        new(Retriever(), new ExtractiveAnswerer(new HashEmbedder()), new EvidenceCheck(Store, new DocumentSubjects(Store)), Options.Create(Limits));

    public static TheoryData<string, string, int?, RetrievalMode, string> Refused => new()
    {
        { "main", "", null, RetrievalMode.Hybrid, "'{0}' is required." },
        { "main", "  \n ", 3, RetrievalMode.Keyword, "'{0}' is required." },
        { "main", new string('q', 101), null, RetrievalMode.Hybrid, "'{0}' is longer than 100 characters." },
        { "main", "When is high tide?", 0, RetrievalMode.Hybrid, "'top' must be between 1 and 8." },
        { "main", "When is high tide?", 9, RetrievalMode.Vector, "'top' must be between 1 and 8." },
        { "main", "When is high tide?", null, (RetrievalMode)7, "'mode' must be \"hybrid\", \"vector\" or \"keyword\"." },
        { "Main Index", "When is high tide?", null, RetrievalMode.Hybrid, "Index name 'Main Index' is not valid" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_search_is_refused_with_the_reason(string index, string query, int? top, RetrievalMode mode, string message)
    {
        var refused = await Assert.ThrowsAsync<RequestRejectedException>(() => Retriever().SearchAsync(new SearchRequest(index, query, top, mode)));

        Assert.Equal(RejectionKind.BadRequest, refused.Kind);
        Assert.StartsWith(string.Format(message, "query"), refused.Message);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_question_is_refused_with_the_reason_whether_streamed_or_not(string index, string question, int? top, RetrievalMode mode, string message)
    {
        var request = new AskRequest(index, question, top, mode);

        var refused = await Assert.ThrowsAsync<RequestRejectedException>(() => Ask().AskAsync(request));
        var refusedStream = await Assert.ThrowsAsync<RequestRejectedException>(() => Ask().StartAsync(request));

        Assert.StartsWith(string.Format(message, "question"), refused.Message);
        Assert.Equal(refused.Message, refusedStream.Message);
    }

    [Fact]
    public async Task Top_defaults_to_five_within_the_limit_and_a_question_is_trimmed()
    {
        var passages = await Retriever().SearchAsync(new SearchRequest("main", "  high tide  "));
        var capped = await new Retriever(Store, new HashEmbedder(), Options.Create(new RetrievalOptions()), limits: Options.Create(new QueryLimits { MaxTop = 1 }))
            .SearchAsync(new SearchRequest("main", "high tide"));
        var answer = await Ask().AskAsync(new AskRequest("main", "  When is high tide at Gull Harbor?  "));

        Assert.Equal(2, passages.Count); // both chunks: fewer than five exist
        Assert.Single(capped);
        Assert.Contains("6:40", answer.Answer.Text);
    }

    [Fact]
    public async Task The_answerer_reads_more_candidates_than_a_client_may_ask_for()
    {
        // Asking for the most passages allowed still works: the evidence check reads beyond the limit internally.
        var answer = await Ask().AskAsync(new AskRequest("main", "When is high tide at Gull Harbor?", Limits.MaxTop));

        Assert.False(answer.Answer.NoAnswer, answer.Answer.NoAnswerReason);
    }
}
