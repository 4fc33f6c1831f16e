namespace DocQa.Core.Documents;

/// <summary>
/// The metadata keys DocQa derives from a document at ingestion (see <c>MetadataReader</c>), and how tags override
/// them. A key is absent when the document does not say it.
/// </summary>
public static class DocumentMetadata
{
    /// <summary>The document's title: its file's declared title, else its first heading, else its file name.</summary>
    public const string Title = "title";

    /// <summary>The organisation it is about or from: a legal name on its first page ("Acme Corporation", "Foo, Inc.").</summary>
    public const string Organization = "organization";

    /// <summary>Its kind, from cue words on its first page: one of <see cref="Types"/>.</summary>
    public const string Type = "type";

    /// <summary>The period it covers as the document names it ("the quarterly period ended July 1, 2023").</summary>
    public const string Period = "period";

    /// <summary>The first day of that period, ISO 8601 (yyyy-MM-dd).</summary>
    public const string PeriodStart = "periodStart";

    /// <summary>The last day of that period, ISO 8601 (yyyy-MM-dd).</summary>
    public const string PeriodEnd = "periodEnd";

    /// <summary>The (fiscal) year it names, as four digits.</summary>
    public const string FiscalYear = "fiscalYear";

    /// <summary>The (fiscal) quarter it names, 1 to 4.</summary>
    public const string FiscalQuarter = "fiscalQuarter";

    public static readonly IReadOnlyList<string> Keys = [Title, Organization, Type, Period, PeriodStart, PeriodEnd, FiscalYear, FiscalQuarter];

    /// <summary>The values of <see cref="Type"/>.</summary>
    public static readonly IReadOnlyList<string> Types =
        ["quarterly-report", "annual-report", "contract", "policy", "handbook", "invoice", "minutes", "other"];

    /// <summary>
    /// A document's metadata as clients see and filter it: what was derived, with a tag of the same key (given at
    /// upload) in place of the derived value. Derived values are kept apart from tags, so that a tag removed later
    /// lets the derived value show again.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Of(DocumentRecord record) => Of(record.Metadata, record.Tags);

    public static IReadOnlyDictionary<string, string> Of(IReadOnlyDictionary<string, string> derived, IReadOnlyDictionary<string, string> tags)
    {
        if (!Keys.Any(tags.ContainsKey)) return derived;
        var merged = new Dictionary<string, string>(derived, StringComparer.Ordinal);
        foreach (var key in Keys)
            if (tags.TryGetValue(key, out var value)) merged[key] = value;
        return merged;
    }

    /// <summary>Whether metadata has every value a filter asks for; values compare by <see cref="Comparable"/>.</summary>
    public static bool Matches(IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, string> wanted) =>
        wanted.All(pair => metadata.TryGetValue(pair.Key, out var value) && Comparable(value) == Comparable(pair.Value));

    /// <summary>
    /// A value as filters compare it: lower case, since a name is written in capitals on one cover and not on the
    /// next ("ACME CORPORATION"). Stores that index values keep them in this form.
    /// </summary>
    public static string Comparable(string value) => value.ToLowerInvariant();
}
