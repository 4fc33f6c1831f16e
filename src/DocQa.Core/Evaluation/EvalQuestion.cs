using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocQa.Core.Evaluation;

/// <summary>One evaluation question: what to ask, the reviewed answer, and where the evidence lives.</summary>
public sealed record EvalQuestion(
    string Id,
    string Question,
    string Answer,
    IReadOnlyList<string> Sources,
    IReadOnlyList<int> Pages,
    string? Type = null,
    string? Evidence = null)
{
    /// <summary>False for a question the documents cannot answer: the right answer is noAnswer.</summary>
    public bool Answerable { get; init; } = true;
}

/// <summary>A question file that cannot be read; the message names the line.</summary>
public sealed class EvalFormatException(string message) : Exception(message);

/// <summary>Reads question files in JSON Lines: one question object a line, blank lines ignored.</summary>
public static class EvalQuestionReader
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<EvalQuestion> Read(TextReader reader)
    {
        var questions = new List<EvalQuestion>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            QuestionLine? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize<QuestionLine>(line, Options);
            }
            catch (JsonException e)
            {
                throw new EvalFormatException($"line {lineNumber}: not a valid question object ({FirstSentence(e.Message)})");
            }
            var question = Validate(parsed, lineNumber);
            // Duplicate ids would make the per-question output ambiguous.
            if (!ids.Add(question.Id)) throw new EvalFormatException($"line {lineNumber}: duplicate id '{question.Id}'");
            questions.Add(question);
        }
        if (questions.Count == 0) throw new EvalFormatException("the question file holds no questions");
        return questions;
    }

    private static EvalQuestion Validate(QuestionLine? line, int lineNumber)
    {
        if (line is null) throw new EvalFormatException($"line {lineNumber}: expected a JSON object");
        if (string.IsNullOrWhiteSpace(line.Id)) throw new EvalFormatException($"line {lineNumber}: 'id' is missing");
        if (string.IsNullOrWhiteSpace(line.Question)) throw new EvalFormatException($"line {lineNumber}: 'question' is missing");
        var answerable = line.Answerable ?? true;
        var sources = (line.Sources ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).ToList();
        if (answerable && sources.Count == 0) throw new EvalFormatException($"line {lineNumber}: 'sources' needs at least one file-name pattern");
        var pages = line.Pages ?? [];
        if (pages.Any(p => p < 1)) throw new EvalFormatException($"line {lineNumber}: 'pages' are 1-based page numbers");
        return new EvalQuestion(line.Id, line.Question, line.Answer ?? "", sources, pages, line.Type, line.Evidence) { Answerable = answerable };
    }

    // System.Text.Json messages go on about paths and byte positions; the first sentence is what a person needs.
    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }

    private sealed class QuestionLine
    {
        public string? Id { get; set; }
        public string? Question { get; set; }
        public string? Answer { get; set; }
        public List<string>? Sources { get; set; }
        public List<int>? Pages { get; set; }
        public string? Type { get; set; }
        public string? Evidence { get; set; }
        public bool? Answerable { get; set; }

        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Other { get; set; }
    }
}
