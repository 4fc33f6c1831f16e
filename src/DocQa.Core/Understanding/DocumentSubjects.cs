using System.Collections.Concurrent;
using DocQa.Core.Documents;
using DocQa.Core.Retrieval;
using DocQa.Core.Storage;

namespace DocQa.Core.Understanding;

/// <summary>
/// What a document is about, read from its title (the file name) and its opening page: the words there (a report's
/// company, a contract's parties, a handbook's organisation) and the dates there (a report's period, a contract's
/// date). <see cref="Start"/> and <see cref="End"/> span those dates; null when the opening names no date.
/// </summary>
public sealed record DocumentSubject(string DocumentId, string FileName, IReadOnlyList<string> TitleTerms, IReadOnlyList<string> OpeningTerms,
    DateOnly? Start, DateOnly? End)
{
    /// <summary>The terms of the document's metadata title and organisation (a declared title, a tag) the opening may not hold.</summary>
    public IReadOnlyList<IReadOnlyList<string>> MetadataTerms { get; init; } = [];

    /// <summary>
    /// The quarter the document's metadata names (its fiscal quarter and year), else the one its title names ("2023 Q3
    /// AAPL", "FY24 Q1 results"); null when neither names one.
    /// </summary>
    public (int Quarter, int Year)? Quarter { get; init; }

    /// <summary>The document's organisation and period as its metadata names them; null without a period (see <see cref="Passage.Source"/>).</summary>
    public string? Source { get; init; }

    /// <summary>Whether the title, the opening or the metadata names this (see <see cref="Terms.Names"/>).</summary>
    public bool Names(IReadOnlyList<string> phrase) =>
        Terms.Names(TitleTerms, phrase) || Terms.Names(OpeningTerms, phrase) || MetadataTerms.Any(terms => Terms.Names(terms, phrase));
}

/// <summary>Reads and caches the subjects of an index's documents; a document's subject is read again when its content changes.</summary>
public sealed class DocumentSubjects(IDocumentRecords store)
{
    /// <summary>How many of a document's first chunks make its opening (those of its first page among them).</summary>
    public const int OpeningChunks = 6;

    // UpdatedAt is in the key because tags, which override metadata, change without the content.
    private readonly ConcurrentDictionary<(string Index, string Id, string Sha256, DateTimeOffset UpdatedAt), DocumentSubject> _cache = new();

    /// <summary>The subjects of the index's ready documents.</summary>
    public async Task<IReadOnlyList<DocumentSubject>> ListAsync(string index, CancellationToken cancellationToken = default)
    {
        var documents = await store.ListDocumentsAsync(index, cancellationToken);
        var subjects = new List<DocumentSubject>(documents.Count);
        foreach (var document in documents.Where(d => d.Status == DocumentStatus.Ready))
        {
            var key = (index, document.Id, document.Sha256, document.UpdatedAt);
            if (!_cache.TryGetValue(key, out var subject))
            {
                var opening = await store.OpeningPassagesAsync(index, document.Id, OpeningChunks, cancellationToken);
                subject = Read(document.Id, document.FileName, opening, DocumentMetadata.Of(document));
                // Older versions of the document are of no more use.
                foreach (var stale in _cache.Keys.Where(k => k.Index == index && k.Id == document.Id && k != key))
                    _cache.TryRemove(stale, out _);
                _cache[key] = subject;
            }
            subjects.Add(subject);
        }
        return subjects;
    }

    /// <summary>A document's subject from its file name, its first chunks (those on its first page with text) and its metadata.</summary>
    public static DocumentSubject Read(string documentId, string fileName, IReadOnlyList<Passage> opening, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var title = Path.GetFileNameWithoutExtension(fileName);
        var firstPage = opening.Count == 0 ? 0 : opening.Min(p => p.Page);
        // The headings there count too: a report's or a contract's title page often names the company or the
        // parties in a heading ("INTEL CORPORATION") that each chunk carries.
        var openingText = string.Join("\n", opening.Where(p => p.Page == firstPage).OrderBy(p => p.Ordinal)
            .Select(p => string.IsNullOrEmpty(p.Heading) ? p.Text : p.Heading + "\n" + p.Text));

        // Dates of the opening page say when the document is from; a bare year there is as often a far-off
        // maturity or a founding year, so only days and months count. Without any, the title's periods ("Handbook
        // 2024", "2023 Q3") say it more loosely.
        var periods = PeriodFinder.Find(openingText, datesOnly: true);
        if (periods.Count == 0) periods = PeriodFinder.Find(title.Replace('_', ' '));
        DateOnly? start = periods.Count == 0 ? null : periods.Min(p => p.Start);
        DateOnly? end = periods.Count == 0 ? null : periods.Max(p => p.End);
        return new DocumentSubject(documentId, fileName, KeywordAnalyzer.Terms(title.Replace('_', ' ')), KeywordAnalyzer.Terms(openingText), start, end)
        {
            MetadataTerms = MetadataNames(metadata),
            Quarter = MetadataQuarter(metadata) ?? TitleQuarter(title),
            Source = SourceOf(metadata),
        };
    }

    /// <summary>"Apple Inc., quarterly period ended July 1, 2023": the organisation, if named, and the period; null when no period is named.</summary>
    internal static string? SourceOf(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata?.GetValueOrDefault(DocumentMetadata.Period) is not { Length: > 0 } period)
            return null;
        // A cover's capitals ("QUARTERLY PERIOD ENDED", "INTEL CORPORATION") read as a sentence's words and a name.
        period = string.Join(' ', period.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => PeriodWords.Contains(word) ? word.ToLowerInvariant() : word));
        return metadata.GetValueOrDefault(DocumentMetadata.Organization) is { Length: > 0 } organization
            ? $"{NameCase(organization.Trim())}, {period}"
            : period;
    }

    private static readonly HashSet<string> PeriodWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "quarterly", "annual", "period", "periods", "ended", "ending", "fiscal", "year", "quarter", "month", "months", "three", "six",
        "nine", "twelve", "first", "second", "third", "fourth", "half", "effective", "beginning", "commencing", "starting", "as", "of",
        "on", "from", "to", "through", "the",
    };

    /// <summary>A name written all in capitals, in the case of a name ("AMAZON.COM, INC." as "Amazon.com, Inc."); any other as it is.</summary>
    private static string NameCase(string name) =>
        name.Any(char.IsLower) ? name : string.Join(' ', name.Split(' ').Select(word =>
            word.Length > 1 && char.IsLetter(word[0]) ? word[0] + word[1..].ToLowerInvariant() : word));

    /// <summary>The one quarter a title names; null when it names none or several ("Q1 to Q3 2023 summary").</summary>
    private static (int Quarter, int Year)? TitleQuarter(string title)
    {
        var quarters = PeriodFinder.Find(title.Replace('_', ' ')).Where(p => p.Kind == PeriodKind.Quarter)
            .Select(p => (p.Quarter!.Value, p.Year)).Distinct().ToList();
        return quarters.Count == 1 ? quarters[0] : null;
    }

    private static IReadOnlyList<IReadOnlyList<string>> MetadataNames(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is null ? [] : new[] { DocumentMetadata.Title, DocumentMetadata.Organization }
            .Select(key => metadata.GetValueOrDefault(key))
            .Where(value => !string.IsNullOrWhiteSpace(value))
            .Select(value => (IReadOnlyList<string>)KeywordAnalyzer.Terms(value!))
            .ToList();

    private static (int Quarter, int Year)? MetadataQuarter(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null
        && int.TryParse(metadata.GetValueOrDefault(DocumentMetadata.FiscalQuarter), System.Globalization.CultureInfo.InvariantCulture, out var quarter)
        && int.TryParse(metadata.GetValueOrDefault(DocumentMetadata.FiscalYear), System.Globalization.CultureInfo.InvariantCulture, out var year)
            ? (quarter, year)
            : null;
}

/// <summary>Phrase matching over keyword terms.</summary>
public static class Terms
{
    /// <summary>
    /// Whether a text (as its terms) names something: the name's terms in order, or, for a name of several words,
    /// all of them in the one text (names are written more than one way: "Data Center Group", "Data Center and AI Group").
    /// </summary>
    public static bool Names(IReadOnlyList<string> terms, IReadOnlyList<string> name) =>
        Contains(terms, name) || name.Count > 1 && name.All(terms.Contains);

    /// <summary>Whether <paramref name="phrase"/> occurs in <paramref name="terms"/> as a run.</summary>
    public static bool Contains(IReadOnlyList<string> terms, IReadOnlyList<string> phrase)
    {
        if (phrase.Count == 0) return false;
        for (var i = 0; i + phrase.Count <= terms.Count; i++)
        {
            var match = true;
            for (var j = 0; j < phrase.Count && match; j++) match = terms[i + j] == phrase[j];
            if (match) return true;
        }
        return false;
    }
}
