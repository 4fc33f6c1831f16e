using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Documents;
using DocQa.Core.Extraction;
using DocQa.Core.Retrieval;

namespace DocQa.Contracts;

// The REST contract. Clients rely on these names: extend, never rename.

public sealed record IndexDto(string Name, int Documents, int Chunks)
{
    /// <summary>Ready documents per embedding model of their vectors; more than one while a model change is re-embedded.</summary>
    public IReadOnlyDictionary<string, int> EmbeddingModels { get; init; } = new Dictionary<string, int>();

    public static IndexDto From(IndexSummary index) => new(index.Name, index.Documents, index.Chunks)
    {
        EmbeddingModels = index.DocumentsByEmbeddingModel,
    };
}

public sealed record IndexListDto(IReadOnlyList<IndexDto> Indexes);

public sealed record DocumentDto(
    string Id,
    string Index,
    string FileName,
    string ContentType,
    long SizeBytes,
    string Sha256,
    IReadOnlyDictionary<string, string> Tags,
    DocumentStatus Status,
    string? Error,
    int Pages,
    int PagesWithoutText,
    int Chunks,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The embedding model of the document's vectors; null until it has chunks.</summary>
    public string? EmbeddingModel { get; init; }

    /// <summary>
    /// What the document says of itself (title, organization, type, period …; see <see cref="DocumentMetadata"/>),
    /// derived when it is processed; a tag of the same key replaces the derived value. Empty until then.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the file lives, for a document read from a folder (docqa sync, Sources:Folders); null for uploads.</summary>
    public string? SourcePath { get; init; }

    /// <summary>The pages whose text was read by OCR (1-based); they are among <see cref="PagesWithoutText"/>.</summary>
    public IReadOnlyList<int> PagesOcr { get; init; } = [];

    /// <summary>What could not be read, such as "page 3 has no text layer and OCR is not installed (apt-get install tesseract-ocr)".</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static DocumentDto From(DocumentRecord r) => new(
        r.Id, r.Index, r.FileName, r.ContentType, r.SizeBytes, r.Sha256, r.Tags, r.Status, r.Error,
        r.Pages, r.PagesWithoutText, r.Chunks, r.CreatedAt, r.UpdatedAt)
    {
        EmbeddingModel = r.EmbeddingModel,
        Metadata = DocumentMetadata.Of(r),
        SourcePath = r.SourcePath,
        PagesOcr = r.PagesOcr,
        Warnings = r.Warnings,
    };
}

public sealed record DocumentListDto(IReadOnlyList<DocumentDto> Documents);

public sealed record FilterDto(IReadOnlyList<string>? DocumentIds, IReadOnlyDictionary<string, string>? Tags)
{
    /// <summary>Most document ids, tags or metadata values one filter may name.</summary>
    public const int MaxEntries = 1000;

    /// <summary>Metadata values the documents must have (exact keys, values in any case): {"organization": "Acme Corporation"}.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The filter, or a 400 for entries that cannot name anything (null, blank, too many).</summary>
    public SearchFilter ToFilter()
    {
        var ids = DocumentIds ?? [];
        var tags = Tags ?? new Dictionary<string, string>();
        var metadata = Metadata ?? new Dictionary<string, string>();
        if (ids.Count > MaxEntries || tags.Count > MaxEntries || metadata.Count > MaxEntries)
            throw RequestRejectedException.BadRequest($"A filter may name at most {MaxEntries} document ids, {MaxEntries} tags and {MaxEntries} metadata values.");
        if (ids.Any(string.IsNullOrWhiteSpace))
            throw RequestRejectedException.BadRequest("'filter.documentIds' must hold document ids, not null or empty strings.");
        if (tags.Any(tag => string.IsNullOrWhiteSpace(tag.Key) || tag.Value is null))
            throw RequestRejectedException.BadRequest("'filter.tags' must map tag keys to string values, not null.");
        if (metadata.Any(entry => string.IsNullOrWhiteSpace(entry.Key) || entry.Value is null))
            throw RequestRejectedException.BadRequest("'filter.metadata' must map metadata keys to string values, not null.");
        return new SearchFilter { DocumentIds = ids, Tags = tags, Metadata = metadata };
    }
}

public sealed record SearchRequestDto(string? Query, int? Top, RetrievalMode? Mode, FilterDto? Filter);

public sealed record SearchResultDto(
    string DocumentId,
    string FileName,
    int Page,
    int PageEnd,
    string ChunkId,
    string? Heading,
    string Text,
    double Score)
{
    /// <summary>The part of <see cref="Text"/> that matched the query; the rest is the text around it on its pages. Null: all of it.</summary>
    public QuoteDto? Match { get; init; }

    public static SearchResultDto From(Passage p) =>
        new(p.DocumentId, p.FileName, p.Page, p.PageEnd, p.ChunkId, p.Heading, p.Text, Math.Round(p.Score, 6))
        {
            Match = p.Match is { } match ? new QuoteDto(match.Start, match.End) : null,
        };
}

public sealed record SearchResponseDto(IReadOnlyList<SearchResultDto> Results)
{
    /// <summary>The words of the results, as written there, that match the query's keyword terms: what a client marks.</summary>
    public IReadOnlyList<string> HighlightTerms { get; init; } = [];
}

/// <param name="Stream">Answer as Server-Sent Events (also chosen by Accept: text/event-stream).</param>
/// <param name="History">Earlier turns of the conversation, oldest first: a follow-up ("and the quarter before?") is made standalone from them.</param>
public sealed record AskRequestDto(string? Question, int? Top, RetrievalMode? Mode, FilterDto? Filter, bool? Stream = null,
    IReadOnlyList<ConversationTurnDto>? History = null)
{
    public IReadOnlyList<ConversationTurn>? ToHistory() =>
        History?.Where(turn => turn is not null).Select(turn => new ConversationTurn(turn.Question ?? "", turn.Answer)).ToList();
}

/// <summary>An earlier turn: the question asked and the answer given.</summary>
public sealed record ConversationTurnDto(string? Question, string? Answer = null);

/// <param name="Quote">The part of <paramref name="Text"/> the answer used; null when the answer used none of it.</param>
public sealed record CitationDto(int N, string DocumentId, string FileName, int Page, int PageEnd, string Text, double Score, bool Referenced, QuoteDto? Quote = null)
{
    public static IReadOnlyList<CitationDto> From(IEnumerable<Citation> citations) =>
        citations.Select(c => new CitationDto(c.N, c.DocumentId, c.FileName, c.Page, c.PageEnd, c.Text, Math.Round(c.Score, 4), c.Referenced,
            c.Quote is { } quote ? new QuoteDto(quote.Start, quote.End) : null)).ToList();
}

/// <summary>A span of a citation's text as character (UTF-16 code unit) offsets: from <paramref name="Start"/> up to, not including, <paramref name="End"/>.</summary>
public sealed record QuoteDto(int Start, int End);

public sealed record TimingsDto(double RetrievalMs, double AnswerMs);

public sealed record UsageDto(int PromptTokens, int AnswerTokens);

public sealed record AskResponseDto(
    string Answer,
    string Mode,
    bool NoAnswer,
    string? NoAnswerReason,
    IReadOnlyList<CitationDto> Citations,
    TimingsDto Timings,
    string? Model = null,
    UsageDto? Usage = null)
{
    /// <summary>The question as searched and answered, when a follow-up was made standalone from the history; null otherwise.</summary>
    public string? StandaloneQuestion { get; init; }

    public static AskResponseDto From(AskResult result) => new(
        result.Answer.Text,
        result.Answer.Mode,
        result.Answer.NoAnswer,
        result.Answer.NoAnswerReason,
        CitationDto.From(result.Answer.Citations),
        new TimingsDto(result.Timings.RetrievalMs, result.Timings.AnswerMs),
        result.Answer.Model,
        result.Answer.Usage is { } usage ? new UsageDto(usage.PromptTokens, usage.AnswerTokens) : null)
    {
        StandaloneQuestion = result.StandaloneQuestion,
    };

    /// <summary>The words of the citations, as written there, that match the question's keyword terms: what a client marks.</summary>
    public IReadOnlyList<string> HighlightTerms { get; init; } = [];
}

/// <summary>The first event of a streamed answer: how it will be answered and the sources it may cite.</summary>
public sealed record CitationsEventDto(string Mode, string? Model, IReadOnlyList<CitationDto> Citations)
{
    /// <summary>The question as searched and answered, when a follow-up was made standalone from the history; null otherwise.</summary>
    public string? StandaloneQuestion { get; init; }

    /// <summary>The words of the citations, as written there, that match the question's keyword terms: what a client marks.</summary>
    public IReadOnlyList<string> HighlightTerms { get; init; } = [];
}

/// <summary>A piece of a streamed answer's text.</summary>
public sealed record DeltaEventDto(string Text);

public sealed record InfoDto(string Version, string EmbeddingModel, int EmbeddingDimensions, string AnswerMode, string? AnswerModel, string Storage)
{
    /// <summary>After a change of embedding model: how many ready documents still carry another model's vectors.</summary>
    public ReembeddingDto? Reembedding { get; init; }

    /// <summary>Whether scanned pages and images are read by OCR here, and why not when they are not.</summary>
    public OcrInfoDto? Ocr { get; init; }
}

/// <summary>OCR on this server: <see cref="Available"/> when enabled, installed and every language present; else <see cref="Problem"/> says why.</summary>
public sealed record OcrInfoDto(bool Enabled, bool Available, string? Engine, IReadOnlyList<string> Languages, string? Problem)
{
    public static OcrInfoDto From(OcrStatus status) => new(status.Enabled, status.Available, status.Engine, status.Languages, status.Problem);
}

/// <summary>Where re-embedding with <see cref="Model"/> stands: ready documents in all, and how many remain to do.</summary>
public sealed record ReembeddingDto(string Model, int Documents, int Remaining, bool InProgress);
