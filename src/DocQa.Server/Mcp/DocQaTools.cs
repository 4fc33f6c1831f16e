using System.ComponentModel;
using DocQa.Contracts;
using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using DocQa.Server.Security;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace DocQa.Server.Mcp;

/// <summary>
/// The MCP tools. They call the same Core services as the REST API, so requests are checked and refused with the same
/// messages; a refusal becomes a tool error the agent can read and correct.
/// </summary>
[McpServerToolType]
public sealed class DocQaTools(Retriever retriever, AskService ask, DocumentLibrary library, DocumentPages pages)
{
    private const string IndexDescription = "The index to use (see list_indexes); \"default\" when not given.";
    private const string TopDescription = "How many passages, 1 to the server's Limits:MaxTop (50 unless configured); 5 when not given.";

    [McpServerTool(Name = "search", Title = "Search documents", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Finds the passages of an index's documents that best match a query (hybrid: meaning and keywords) and returns " +
                 "them best first: documentId, fileName, page (1-based page of the document the text is on), heading, text and score. " +
                 "Use it to read the sources yourself, to find where something is written, or when 'ask' says it has no answer.")]
    public Task<SearchResults> SearchAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("What to look for: a question, a phrase or keywords.")] string query,
        [Description(IndexDescription)] string index = IndexNames.Default,
        [Description(TopDescription)] int? top = null,
        [Description("Only documents matching all of: documentIds (any of these ids), tags (key: value pairs set at upload) and metadata " +
                     "(values the documents state, e.g. {\"organization\": \"Acme Corporation\"}; any case).")] FilterDto? filter = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(request, index, async () =>
        {
            var passages = await retriever.SearchAsync(new SearchRequest(index, query, top, RetrievalMode.Hybrid, filter?.ToFilter()), cancellationToken);
            return new SearchResults(passages.Select(SearchResultDto.From).ToList());
        });

    [McpServerTool(Name = "ask", Title = "Ask a question", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Answers a question from an index's documents only. Returns text (with [n] markers), noAnswer and reason (set when " +
                 "the documents do not answer it: then say so rather than guess), and citations [n] with documentId, fileName, page and text. " +
                 "Use it for a direct answer with sources; use 'search' to see more passages.")]
    public Task<AnswerResult> AskAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The question, in natural language.")] string question,
        [Description(IndexDescription)] string index = IndexNames.Default,
        CancellationToken cancellationToken = default) =>
        RunAsync(request, index, async () =>
            AnswerResult.From((await ask.AskAsync(new AskRequest(index, question), cancellationToken)).Answer));

    [McpServerTool(Name = "list_indexes", Title = "List indexes", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the indexes this key may read, with how many documents and passages (chunks) each holds.")]
    public async Task<IndexListDto> ListIndexesAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var indexes = await library.ListIndexesAsync(cancellationToken);
        return new IndexListDto(indexes.Where(index => CanRead(request, index.Name)).Select(IndexDto.From).ToList());
    }

    [McpServerTool(Name = "list_documents", Title = "List documents", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists an index's documents: id (for filters and get_passage), fileName, status (only 'ready' ones are searched), " +
                 "pages, tags and metadata (title, organization, period … as the document states them).")]
    public Task<DocumentListDto> ListDocumentsAsync(
        RequestContext<CallToolRequestParams> request,
        [Description(IndexDescription)] string index = IndexNames.Default,
        CancellationToken cancellationToken = default) =>
        RunAsync(request, index, async () =>
            new DocumentListDto((await library.ListAsync(index, cancellationToken)).Select(DocumentDto.From).ToList()));

    [McpServerTool(Name = "get_passage", Title = "Read a page", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns the whole text of one page of a document, for the context around a passage that search or ask returned. " +
                 "Pages are numbered from 1 as in the document (a PDF's pages; a text file is one page), the same numbers as a passage's or citation's page.")]
    public Task<PageText> GetPassageAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The document's id (documentId of a passage or citation, or id from list_documents).")] string document,
        [Description("The page number, from 1.")] int page,
        [Description(IndexDescription)] string index = IndexNames.Default,
        CancellationToken cancellationToken = default) =>
        RunAsync(request, index, () => pages.ReadAsync(index, document, page, cancellationToken));

    /// <summary>Runs a tool's work once the caller may read <paramref name="index"/>; a refused request becomes a tool error with its message.</summary>
    private static async Task<T> RunAsync<T>(RequestContext<CallToolRequestParams> request, string index, Func<Task<T>> work)
    {
        try
        {
            DocumentLibrary.RequireIndexName(index); // before the access check: a null index would mean "any index" there
            if (!CanRead(request, index))
                throw new McpException($"The API key '{request.User?.Identity?.Name}' may not read index '{index}'.");
            return await work();
        }
        catch (RequestRejectedException refused)
        {
            throw new McpException(refused.Message);
        }
    }

    private static bool CanRead(RequestContext<CallToolRequestParams> request, string index) => request.User?.CanRead(index) == true;
}
