using DocQa.Core;
using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Core.Storage;

namespace DocQa.Server.Mcp;

/// <summary>
/// The text of one page of a document, put together from its stored chunks (the original file may be a PDF or an
/// office document, which an agent cannot read). The only place the MCP tools read the store directly.
/// </summary>
public sealed class DocumentPages(DocumentLibrary library, IDocumentRecords store)
{
    public async Task<PageText> ReadAsync(string index, string documentId, int page, CancellationToken cancellationToken = default)
    {
        var record = await library.GetAsync(index, documentId, cancellationToken);
        if (record.Status != DocumentStatus.Ready)
            throw RequestRejectedException.BadRequest($"Document '{record.Id}' is {record.Status.ToString().ToLowerInvariant()}, not ready: its pages can be read once it is processed.");
        if (page < 1 || page > record.Pages)
            throw RequestRejectedException.BadRequest($"'page' must be between 1 and {record.Pages}: document '{record.Id}' has {record.Pages} page(s).");

        var chunks = await store.ChunksOfAsync(index, record.Id, cancellationToken);
        var texts = chunks
            .Where(chunk => chunk.Page <= page && page <= chunk.PageEnd)
            .OrderBy(chunk => chunk.Ordinal)
            .Select(chunk => chunk.Text[Math.Clamp(chunk.LeadLength, 0, chunk.Text.Length)..]); // a lead repeats earlier context
        return new PageText(record.Id, record.FileName, page, record.Pages, Join(texts));
    }

    /// <summary>Consecutive chunks' texts as one, each chunk's overlap with the one before it (whole sentences or lines) kept once.</summary>
    public static string Join(IEnumerable<string> texts)
    {
        var joined = "";
        foreach (var text in texts)
        {
            var overlap = OverlapLength(joined, text);
            joined = overlap > 0 ? joined + text[overlap..]
                : joined.Length == 0 ? text
                : joined + "\n\n" + text;
        }
        return joined;
    }

    /// <summary>The longest start of <paramref name="next"/> that <paramref name="previous"/> ends with, whole words only.</summary>
    private static int OverlapLength(string previous, string next)
    {
        for (var length = Math.Min(previous.Length, next.Length); length > 0; length--)
        {
            var wholeWords = (length == next.Length || char.IsWhiteSpace(next[length]))
                && (length == previous.Length || char.IsWhiteSpace(previous[^(length + 1)]));
            if (wholeWords && previous.AsSpan().EndsWith(next.AsSpan(0, length), StringComparison.Ordinal))
                return length;
        }
        return 0;
    }
}
