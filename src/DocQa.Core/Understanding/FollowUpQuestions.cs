using System.Globalization;
using System.Text.RegularExpressions;

namespace DocQa.Core.Understanding;

/// <summary>
/// Makes a follow-up question standalone from the questions asked before it, without a model: what the follow-up
/// leaves out (the names, the periods, the subject) is carried over from the earlier turns, and a relative period
/// ("the quarter before", "a year earlier") is read against the period asked about before.
/// "What were Apple's total net sales for the quarter ended July 1, 2023?" then "And for the quarter before?" becomes
/// "What were Apple's total net sales for the quarter ended April 1, 2023?"; then "What about Microsoft?" becomes the
/// same question about Microsoft. A question that stands on its own is left as it is.
/// </summary>
public static partial class FollowUpQuestions
{
    /// <summary>The question to search and answer with: <paramref name="question"/> made standalone from the earlier questions (oldest first).</summary>
    public static string MakeStandalone(IEnumerable<string> earlierQuestions, string question)
    {
        string? context = null;
        foreach (var earlier in earlierQuestions)
        {
            if (string.IsNullOrWhiteSpace(earlier)) continue;
            context = context is null ? earlier.Trim() : Resolve(context, earlier.Trim());
        }
        return context is null ? question : Resolve(context, question);
    }

    /// <summary>Whether a question leans on earlier turns: it opens like a follow-up, names a period relative to another, points back, or is a fragment.</summary>
    public static bool LeansOnEarlierTurns(string question)
    {
        var words = Word().Count(question);
        return Opener().IsMatch(question) || RelativePeriod(question) is not null || words <= 3
            || PointsBack().IsMatch(question) && QuestionAnalyzer.FindEntities(question).Count == 0;
    }

    private static string Resolve(string previous, string question)
    {
        if (!LeansOnEarlierTurns(question)) return question;
        var shift = RelativePeriod(question);
        // What the follow-up says beyond its opener and its relative period: "And for the quarter before?" says nothing more.
        var own = RelativePeriodWording().Replace(Opener().Replace(question, " "), " ");
        var asked = QuestionAnalyzer.Analyze(own);
        // Names are read in the whole question: without its opener, "And at Contoso?" would start with the name,
        // and a capitalised first word is not taken for a name on its own.
        var names = QuestionAnalyzer.FindEntities(RelativePeriodWording().Replace(question, " "));
        var nameTerms = names.SelectMany(e => e.Terms).ToHashSet(StringComparer.Ordinal);
        asked = asked with { Entities = names, TopicTerms = asked.TopicTerms.Where(t => !nameTerms.Contains(t)).ToList() };
        var before = QuestionAnalyzer.Analyze(previous);

        var periods = asked.Periods.Count > 0 ? asked.Periods.Select(p => p.Text).ToList()
            : shift is { } s ? PeriodFinder.Locate(previous).Select(found => Shift(found.Period, s)).OfType<string>().ToList()
            : [];

        var pointsBack = PointsBack().IsMatch(question);
        // A follow-up with nothing of its own but another question word ("And when?", "Why?") asks something new
        // about the same thing: it goes with the earlier question, as one that points back.
        pointsBack |= asked.TopicTerms.Count == 0 && asked.Entities.Count == 0 && periods.Count == 0;
        if (asked.TopicTerms.Count == 0 && !pointsBack)
        {
            // Only names or periods change: the earlier question, with them put in place of the earlier ones.
            var text = previous;
            if (asked.Entities.Count > 0)
                text = before.Entities.Count > 0 ? ReplaceEntities(text, before.Entities, asked.Entities) : Append(text, "for " + Join(asked.Entities.Select(e => e.Text)));
            if (periods.Count > 0)
                text = before.Periods.Count > 0 ? ReplacePeriods(text, periods) : Append(text, "in " + Join(periods));
            return text;
        }

        // A new subject in the same context: the earlier question when it points back to it ("why did it fall?"),
        // else the earlier names and periods, go with it.
        var context = new List<string>();
        if (pointsBack)
        {
            context.Add(previous.Trim().TrimEnd('?', '.'));
            if (asked.Periods.Count == 0 && shift is not null) context.AddRange(periods);
        }
        else
        {
            if (asked.Entities.Count == 0) context.AddRange(before.Entities.Select(e => e.Text));
            if (asked.Periods.Count == 0) context.AddRange(periods.Count > 0 ? periods : before.Periods.Select(p => p.Text));
        }
        return context.Count == 0 ? question : $"{question.Trim().TrimEnd('?')} ({string.Join("; ", context)})?";
    }

    private static string Append(string question, string words) => $"{question.Trim().TrimEnd('?', '.')} {words}?";

    private static string Join(IEnumerable<string> parts) => string.Join(" and ", parts);

    /// <summary>Puts the new names where the earlier ones were written, in order; a possessive "'s" after a name stays.</summary>
    private static string ReplaceEntities(string text, IReadOnlyList<NamedEntity> earlier, IReadOnlyList<NamedEntity> named)
    {
        for (var i = 0; i < Math.Min(earlier.Count, named.Count); i++)
            text = Regex.Replace(text, $@"\b{Regex.Escape(earlier[i].Text)}\b", named[i].Text.Replace("$", "$$", StringComparison.Ordinal),
                RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return text;
    }

    /// <summary>Puts the new periods where the earlier ones were written (the last new one for any further earlier ones).</summary>
    private static string ReplacePeriods(string text, IReadOnlyList<string> periods)
    {
        var located = PeriodFinder.Locate(text);
        for (var i = located.Count - 1; i >= 0; i--)
        {
            var (index, length, _) = located[i];
            text = string.Concat(text.AsSpan(0, index), periods[Math.Min(i, periods.Count - 1)], text.AsSpan(index + length));
        }
        return text;
    }

    private enum Unit { Quarter, Year }

    private readonly record struct Step(Unit Unit, int Count);

    /// <summary>The period a relative phrase points to from an earlier one, written as the earlier one was; null when it cannot be moved.</summary>
    private static string? Shift(Period period, Step step)
    {
        var months = step.Unit == Unit.Quarter ? 3 * step.Count : 12 * step.Count;
        switch (period.Kind)
        {
            case PeriodKind.Date:
                var date = period.Start.AddDays(Period.DaySlack).AddMonths(months);
                return date.ToString(period.Text.Any(char.IsLetter) ? "MMMM d, yyyy" : "yyyy-MM-dd", CultureInfo.InvariantCulture);
            case PeriodKind.Month:
                return period.Start.AddDays(Period.DaySlack).AddMonths(months).ToString("MMMM yyyy", CultureInfo.InvariantCulture);
            case PeriodKind.Quarter when period.Quarter is { } quarter:
                var index = period.Year * 4 + (quarter - 1) + months / 3;
                var (year, q) = (index / 4, index % 4 + 1);
                var fiscal = period.Fiscal ? "fiscal " : "";
                return QuarterCode().IsMatch(period.Text)
                    ? $"Q{q} {fiscal}{year}"
                    : $"{Ordinals[q - 1]} quarter of {fiscal}{year}";
            case PeriodKind.Year when step.Unit == Unit.Year:
            case PeriodKind.PartOfYear when step.Unit == Unit.Year:
                return YearDigits().Replace(period.Text, m => (int.Parse(m.Value, CultureInfo.InvariantCulture) + step.Count).ToString(CultureInfo.InvariantCulture));
            default:
                return null;
        }
    }

    private static readonly string[] Ordinals = ["first", "second", "third", "fourth"];

    private static Step? RelativePeriod(string question)
    {
        var match = RelativePeriodWording().Match(question);
        if (!match.Success) return null;
        var unit = match.Value.Contains("quarter", StringComparison.OrdinalIgnoreCase) || match.Groups["seq"].Success ? Unit.Quarter : Unit.Year;
        var forward = match.Groups["next"].Success;
        return new Step(unit, forward ? 1 : -1);
    }

    // "the quarter before", "the previous quarter", "a year earlier", "last year", "the prior year", "the next quarter", "sequentially".
    [GeneratedRegex(@"\b(?:the\s+)?(?:(?:previous|prior|preceding|earlier)\s+(?:quarter|year)|(?:quarter|year)\s+(?:before|earlier|prior)(?:\s+that)?"
        + @"|(?:a|one)\s+(?:quarter|year)\s+(?:before|earlier|ago|prior)|last\s+year|year[-\s]ago|(?<seq>sequentially)"
        + @"|(?<next>(?:next|following)\s+(?:quarter|year)|(?:quarter|year)\s+after(?:\s+that)?|(?:a|one)\s+(?:quarter|year)\s+later))\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RelativePeriodWording();

    [GeneratedRegex(@"^\W*(?:and|also|plus|then|so|ok(?:ay)?|now|what\s+about|how\s+about|what\s+of|same\s+for|and\s+what\s+about)\b(?:\s+(?:for|in|of|at|the))?",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Opener();

    [GeneratedRegex(@"\b(?:it|its|it's|they|them|their|that|this|those|these|the\s+same|the\s+company|the\s+former|the\s+latter)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PointsBack();

    [GeneratedRegex(@"\bQ[1-4]\b", RegexOptions.CultureInvariant)]
    private static partial Regex QuarterCode();

    [GeneratedRegex(@"(?:19|20)\d\d")]
    private static partial Regex YearDigits();

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();
}
