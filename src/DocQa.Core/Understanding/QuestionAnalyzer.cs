using System.Text.RegularExpressions;
using DocQa.Core.Retrieval;

namespace DocQa.Core.Understanding;

/// <summary>What kind of answer a question expects.</summary>
public enum AnswerType { Amount, Percentage, Count, Date, Name, Explanation, Other }

/// <summary>
/// A name in a question: an organisation, product, person or place ("Tesla", "Greater China", "Prime Minister of
/// Japan", "NVDA"). <see cref="Parts"/> are the names it is made of when it joins several with "and", "of", "&amp;"
/// ("Pride and Prejudice": "Pride", "Prejudice"); a document supports the entity when it names the whole or every part.
/// </summary>
public sealed record NamedEntity(string Text, IReadOnlyList<string> Parts, bool Possessive = false)
{
    /// <summary>The keyword terms of the whole name, in order ("Meta Platforms'" -> meta, platform).</summary>
    public IReadOnlyList<string> Terms { get; } = KeywordAnalyzer.Terms(Text);

    public IReadOnlyList<IReadOnlyList<string>> PartTerms { get; } = Parts.Select(p => (IReadOnlyList<string>)KeywordAnalyzer.Terms(p)).ToList();

    /// <summary>Whether the parts are another reading of the name than the whole ("Pride", "Prejudice" for "Pride and Prejudice").</summary>
    public bool HasParts => PartTerms.Count >= 2 || PartTerms.Count == 1 && !PartTerms[0].SequenceEqual(Terms);

    /// <summary>Whether a text (as its terms) names the entity: the whole name, or every part of it.</summary>
    public bool IsNamedBy(Func<IReadOnlyList<string>, bool> names) => names(Terms) || HasParts && PartTerms.All(t => names(t));
}

/// <summary>What a question is about: the names and periods it mentions, the answer it expects, its other content words.</summary>
public sealed record QuestionAnalysis(
    string Question,
    IReadOnlyList<NamedEntity> Entities,
    IReadOnlyList<Period> Periods,
    AnswerType AnswerType,
    IReadOnlyList<string> TopicTerms)
{
    public bool IsEmpty => Entities.Count == 0 && Periods.Count == 0 && TopicTerms.Count == 0;

    /// <summary>
    /// The question asks how something went over several periods or versions ("over time", "across the reported
    /// quarters", "in each year"), not about one of them: its answer is spread over several documents.
    /// </summary>
    public bool AcrossPeriods { get; init; }

    /// <summary>
    /// The question asks about the latest of something without naming when ("the most recent report", "the latest
    /// version of the policy"): of documents otherwise alike, the newest answers it.
    /// </summary>
    public bool WantsLatest { get; init; }
}

/// <summary>
/// Finds what a question is about without a trained model: names from capitalisation (capitalised word runs that do
/// not merely open the sentence, acronyms and tickers, possessives), periods from date and quarter patterns, the
/// expected answer from the question word. Nothing here knows a kind of document; whether a name is known is for
/// the corpus to say (<see cref="EvidenceCheck"/>).
/// </summary>
public static partial class QuestionAnalyzer
{
    /// <summary>Words that open or fill questions; capitalised at the start of a sentence, they are not names.</summary>
    private static readonly HashSet<string> CommonWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "but", "if", "of", "in", "on", "at", "to", "for", "from", "by", "with", "as", "about",
        "is", "are", "was", "were", "be", "been", "do", "does", "did", "has", "have", "had", "can", "could", "should", "would",
        "will", "shall", "may", "might", "must", "what", "which", "who", "whom", "whose", "when", "where", "why", "how",
        "this", "that", "these", "those", "it", "its", "there", "their", "they", "he", "she", "his", "her", "we", "our", "us",
        "you", "your", "i", "me", "my", "any", "all", "some", "each", "every", "much", "many", "more", "most", "other",
        "tell", "please", "give", "show", "find", "list", "describe", "explain", "compare", "summarize", "summarise",
        "provide", "identify", "name", "state", "outline", "discuss", "analyze", "analyse", "based", "according", "considering",
        "given", "between", "during", "after", "before", "over", "since", "also", "besides", "overall", "total", "then", "so",
        "yes", "no", "not", "note", "in", "across", "within", "among", "regarding", "concerning", "looking", "assuming",
        "calculate", "estimate", "evaluate", "assess", "determine", "highlight", "detail", "walk", "help", "let", "now",
        "first", "second", "third", "fourth", "last", "next", "previous", "current", "recent", "latest",
    };

    /// <summary>Capitalised words that name a time, not a thing: they belong to periods.</summary>
    private static readonly HashSet<string> TimeWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "q1", "q2", "q3", "q4", "h1", "h2", "fy", "fiscal", "quarter", "quarters", "year", "years", "month", "months", "ytd",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday", "tomorrow",
    };

    /// <summary>Small words that may join the parts of one name: "Bank of America", "Pride and Prejudice", "AT&amp;T".</summary>
    private static readonly HashSet<string> Joiners = new(StringComparer.OrdinalIgnoreCase) { "of", "and", "&", "the", "de", "du", "van", "von", "for" };

    /// <summary>Question words that say little about the topic (beyond the stop-words of the keyword index).</summary>
    private static readonly HashSet<string> GenericTerms = new(StringComparer.Ordinal)
    {
        "much", "many", "total", "amount", "number", "change", "changed", "compare", "compared", "comparison", "describe",
        "explain", "tell", "give", "show", "list", "provide", "summarize", "summarise", "report", "reported", "reporting",
        "mention", "mentioned", "say", "said", "state", "stated", "discuss", "discussed", "according", "document", "documents",
        "filing", "filings", "information", "detail", "details", "key", "main", "major", "significant", "any", "some", "each",
        "over", "time", "period", "periods", "quarter", "quarterly", "fiscal", "year", "years", "annual", "month", "months",
        "current", "recent", "latest", "last", "next", "previous", "prior", "first", "second", "third", "fourth", "half",
        "ended", "ending", "end", "during", "between", "since", "per", "q1", "q2", "q3", "q4", "fy", "ytd", "same", "more",
        "most", "other", "such", "only", "very", "just", "like", "well", "get", "got", "way", "kind", "type", "thing", "things",
        "happen", "happened", "specific", "particular", "overall", "general", "value", "figure", "figures", "data", "based",
        "impact", "affect", "affected", "factor", "factors", "driver", "drivers", "trend", "trends", "compare", "difference",
        "increase", "decrease", "increased", "decreased", "growth", "grow", "grew", "rise", "fall", "did", "does", "can",
        "should", "would", "could", "may", "might", "must", "shall", "whose", "being", "having", "please", "within", "across",
        "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul", "july", "aug",
        "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec", "december", "six", "nine",
        // Stemmed forms of question words ("does", "this") and words that phrase a question rather than name its topic.
        "doe", "thi", "qs", "notable", "analyze", "analyse", "examine", "identify", "identified", "identifiable",
        "relationship", "implication", "insight", "pattern", "role", "outline", "highlight", "highlighted", "suggest",
        "evolved", "trended", "seen", "discerned", "gleaned", "played", "comparing", "known", "regarding", "concerning",
    };

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}&.\-'’]*[\p{L}\p{N}]['’]?|[\p{L}\p{N}]|&|[.?!;:]|[,()\[\]{}""“”/|]", RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    public static QuestionAnalysis Analyze(string? question)
    {
        question ??= "";
        var periods = PeriodFinder.Find(question);
        var entities = FindEntities(question);
        var answerType = ExpectedAnswer(question);

        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entity in entities) excluded.UnionWith(entity.Terms);
        foreach (var period in periods) excluded.UnionWith(KeywordAnalyzer.Terms(period.Text));
        var topic = KeywordAnalyzer.QueryTerms(question)
            .Where(t => !excluded.Contains(t) && !GenericTerms.Contains(t) && !IsNumber(t) && t.Length > 1)
            .ToList();
        var latest = periods.Count == 0 && LatestWording().IsMatch(question);
        // Like a single named period, the latest document alone ("in the latest 10-Q, what did currency
        // fluctuations do") wins over wording about a series; "over the most recent quarters" asks for several.
        var latestOne = latest && !LatestSeveralWording().IsMatch(question);
        return new QuestionAnalysis(question, entities, periods, answerType, topic)
        {
            AcrossPeriods = periods.Count != 1 && !latestOne && AcrossPeriodsWording().IsMatch(question),
            WantsLatest = latest,
        };
    }

    /// <summary>
    /// The parts of a question that asks several things: "What tax rate did Apple report, and how does it compare to
    /// the statutory rate?" is two questions, and so is "What was revenue? What drove it?". A part needs two content
    /// words of its own; a question of one part comes back whole. At most <see cref="MaxParts"/>.
    /// </summary>
    public static IReadOnlyList<string> Parts(string? question)
    {
        if (string.IsNullOrWhiteSpace(question)) return [];
        var parts = new List<string>();
        foreach (var piece in PartBoundary().Split(question))
        {
            var part = piece.Trim().TrimEnd('?', ',', ';').Trim();
            if (part.Length == 0) continue;
            // Too little of its own to be a question (", and why?"): it stays with the part before.
            if (parts.Count > 0 && ContentTerms(part) < 2) parts[^1] += " and " + part;
            else if (parts.Count > 0 && ContentTerms(parts[^1]) < 2) parts[^1] += " " + part;
            else parts.Add(part);
        }
        return parts.Count is > 1 and <= MaxParts ? parts : [question.Trim()];

        static int ContentTerms(string text) => KeywordAnalyzer.QueryTerms(text).Count(t => !GenericTerms.Contains(t) && t.Length > 1);
    }

    public const int MaxParts = 3;

    // Where a question's next part starts: after a question mark, or at "and" / "as well as" before a question word.
    [GeneratedRegex(@"(?<=\?)\s+(?=\S)|[,;]?\s+(?:and|as\s+well\s+as)\s+(?=(?:how|what|which|who|whom|whose|when|where|why|whether|is|are|was|were|did|does|do|has|have|had|can|could|will|would|should|if)\b)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PartBoundary();

    [GeneratedRegex(@"\b(latest|most\s+recent|newest)\b|\b(current|this)\s+(quarter|period|version|edition|release|fiscal\s+year|year)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LatestWording();

    // "the latest quarters", "the most recent two filings": the latest several, not the latest one.
    [GeneratedRegex(@"\b(latest|most\s+recent|newest)\s+(\w+\s+)?(quarters|periods|years|months|filings|reports|releases|versions|editions)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LatestSeveralWording();

    // "over time", "across these quarters", "throughout the reported periods", "in each year", "trend", "fluctuated":
    // wording that asks about a series of periods or versions rather than one. A single named period, or the latest
    // document alone, wins over it.
    [GeneratedRegex(@"\bover\s+time\b|\bover\s+the\s+(course|years|quarters|months)\b"
        + @"|\b(across|throughout|over|in|for|during|between|from)\s+(the|these|those|all|its|their|each\s+of\s+the|several|multiple|different|recent|past|last|previous|reported|reviewed|covered|provided|available|successive|consecutive|two|three|four|five|\d+|\s)+((?!(six|nine|twelve|first|second|third|fourth)\b)\w+\s+)?(quarters|periods|years|months|filings|reports|releases|versions|editions)\b"
        + @"|\b(each|every)\s+(quarter|period|year|month|filing|report|release|version|edition)\b"
        + @"|\btrend(s|ed|ing)?\b|\bfluctuat\w*|\bevolv(e|ed|ing)\b|\bevolution\b|\bpatterns?\b|\bquarter[-\s]over[-\s]quarter\b|\bhistorical(ly)?\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AcrossPeriodsWording();

    private static bool IsNumber(string term) => term.All(c => char.IsDigit(c) || c == '.');

    /// <summary>
    /// Names: runs of capitalised words (joined by "of", "and", "&amp;" …) that do not merely open the sentence,
    /// acronyms and tickers ("NVDA", "R&amp;D", "U.S."), and possessives ("Tesla's"). Month and quarter words are periods.
    /// </summary>
    public static IReadOnlyList<NamedEntity> FindEntities(string question)
    {
        var tokens = Token().Matches(question).Select(m => m.Value).ToList();
        var entities = new List<NamedEntity>();
        var run = new List<string>();
        var sentenceStart = true;
        var weakStart = false;
        var runPossessive = false;

        void Close()
        {
            // A run does not end on a joiner ("Apple and" -> "Apple").
            while (run.Count > 0 && Joiners.Contains(run[^1])) run.RemoveAt(run.Count - 1);
            if (run.Count > 0)
            {
                var parts = new List<string>();
                var part = new List<string>();
                foreach (var word in run)
                {
                    if (Joiners.Contains(word))
                    {
                        if (part.Count > 0) parts.Add(string.Join(' ', part));
                        part.Clear();
                    }
                    else part.Add(word);
                }
                if (part.Count > 0) parts.Add(string.Join(' ', part));
                var text = string.Join(' ', run);
                if (weakStart) parts = [string.Join(' ', run.Skip(1))];
                if (KeywordAnalyzer.Terms(text).Count > 0 && !entities.Any(e => e.Text.Equals(text, StringComparison.OrdinalIgnoreCase)))
                    entities.Add(new NamedEntity(text, parts, runPossessive));
            }
            run.Clear();
            weakStart = false;
            runPossessive = false;
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            var raw = tokens[i];
            if (raw.Length == 1 && !char.IsLetterOrDigit(raw[0]) && raw != "&")
            {
                // Punctuation ends a name; a full stop, question or exclamation mark ends the sentence.
                Close();
                sentenceStart |= raw is "." or "?" or "!";
                continue;
            }
            var word = StripPossessive(raw, out var possessive);
            var opensSentence = sentenceStart;
            sentenceStart = false;

            if (IsNameWord(word, opensSentence, possessive))
            {
                // A capitalised word opening a sentence is a name only when it is possessive, an acronym, or the
                // start of a longer name; the name is then also read without it ("Examine Intel" may be "Intel").
                if (opensSentence && !possessive && !IsAcronym(word))
                {
                    var nextPossessive = false;
                    var next = i + 1 < tokens.Count ? StripPossessive(tokens[i + 1], out nextPossessive) : "";
                    if (!IsNameWord(next, false, nextPossessive)) continue;
                    weakStart = true;
                }
                run.Add(word);
                if (possessive)
                {
                    runPossessive = true;
                    Close();
                }
                continue;
            }
            // A joiner continues a run only when a name word follows it ("Bank of America", not "Apple in 2023").
            if (run.Count > 0 && Joiners.Contains(word) && i + 1 < tokens.Count
                && IsNameWord(StripPossessive(tokens[i + 1], out var joinedPossessive), false, joinedPossessive))
            {
                run.Add(word);
                continue;
            }
            Close();
        }
        Close();
        return entities;
    }

    private static bool IsNameWord(string word, bool opensSentence, bool possessive)
    {
        if (word.Length == 0 || !char.IsLetter(word[0])) return false;
        if (TimeWords.Contains(word) || PeriodFinder.IsMonthName(word)) return false;
        if (IsAcronym(word)) return !IsRomanOrPronoun(word);
        if (!char.IsUpper(word[0])) return false;
        if (word.Length == 1) return false; // "I", "A"
        // The first word of a sentence is capitalised anyway: it is a name only when it is not a common word.
        if (opensSentence && CommonWords.Contains(word)) return false;
        if (!opensSentence && CommonWords.Contains(word) && !possessive) return false;
        return true;
    }

    private static bool IsRomanOrPronoun(string word) => word is "I" or "II" or "III" or "IV" or "OK";

    /// <summary>Two or more capitals with no lower-case letter: "NVDA", "R&amp;D", "U.S.", "AWS", "S&amp;P", "10-Q" does not count.</summary>
    private static bool IsAcronym(string word)
    {
        var capitals = word.Count(char.IsUpper);
        return capitals >= 2 && !word.Any(char.IsLower);
    }

    private static string StripPossessive(string token, out bool possessive)
    {
        possessive = false;
        var word = token.TrimEnd('.', '-', '\'', '’');
        if (word.Length != token.Length && (token.EndsWith('\'') || token.EndsWith('’'))) possessive = true; // "Platforms'"
        if (word.EndsWith("'s", StringComparison.OrdinalIgnoreCase) || word.EndsWith("’s", StringComparison.OrdinalIgnoreCase))
        {
            possessive = true;
            word = word[..^2];
        }
        // "U.S." keeps its dots; a sentence's full stop was split off by the tokenizer unless it follows an abbreviation.
        if (token.EndsWith('.') && word.Contains('.')) word += ".";
        return word;
    }

    [GeneratedRegex(@"\b(what\s+(percentage|percent|share|proportion|portion|fraction)|percent(age)?|margin\s+rate|growth\s+rate|ratio)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PercentageQuestion();

    [GeneratedRegex(@"\bhow\s+many\b|\bnumber\s+of\b|\bcount\b|\bheadcount\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CountQuestion();

    [GeneratedRegex(@"\bhow\s+much\b|\b(total|amount|revenues?|sales|income|profits?|loss(es)?|costs?|expenses?|prices?|cash|debt|assets|liabilities|earnings|eps|dividends?|spend(ing)?|balance|salary|fee|fees|budget)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AmountQuestion();

    [GeneratedRegex(@"^\W*(when\b|what\s+(date|day|year|time)\b|on\s+what\s+date\b|by\s+when\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DateQuestion();

    [GeneratedRegex(@"^\W*(who\b|whom\b|whose\b|which\s+(company|person|firm|organi[sz]ation|country|city|planet|team|customer|supplier|product|segment)\b|what\s+(is\s+the\s+)?name\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameQuestion();

    [GeneratedRegex(@"^\W*(why\b|how\s+(does|do|did|has|have|is|are|was|were|can|could|should|would|will)\b|describe\b|explain\b|what\s+(are|were)\s+the\s+(main|major|key|primary)?\s*(factors|reasons|drivers|risks|causes)\b)|\b(factors|reasons|drivers|why)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExplanationQuestion();

    /// <summary>The expected answer type, from the question word and what it asks for.</summary>
    public static AnswerType ExpectedAnswer(string question)
    {
        if (DateQuestion().IsMatch(question)) return AnswerType.Date;
        if (NameQuestion().IsMatch(question)) return AnswerType.Name;
        if (PercentageQuestion().IsMatch(question)) return AnswerType.Percentage;
        if (CountQuestion().IsMatch(question)) return AnswerType.Count;
        if (ExplanationQuestion().IsMatch(question)) return AnswerType.Explanation;
        if (AmountQuestion().IsMatch(question)) return AnswerType.Amount;
        return AnswerType.Other;
    }
}
