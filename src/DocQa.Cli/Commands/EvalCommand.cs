using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DocQa.Cli.Backends;
using DocQa.Contracts;
using DocQa.Core;
using DocQa.Core.Answering;
using DocQa.Core.Documents;
using DocQa.Core.Evaluation;
using DocQa.Core.Ingestion;
using DocQa.Core.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace DocQa.Cli.Commands;

/// <summary>docqa eval: ingests a folder into its own index, runs a question file through retrieval and answering, prints the metrics.</summary>
public static class EvalCommand
{
    private static readonly string[] AllModes = ["hybrid", "vector", "keyword"];

    public static Command Create()
    {
        var questions = new Option<string[]>("--questions")
        {
            Description = "Question files (JSON Lines: id, question, answer, sources, optional pages; \"answerable\": false for questions the documents cannot answer)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var docs = new Option<string>("--docs") { Description = "Folder of the documents the questions are about", Required = true };
        var top = new Option<int>("--top") { Description = "Passages that count for docHit@k, pageHit@k and answerRecall@k, and that answers use", DefaultValueFactory = _ => 5 };
        var mode = new Option<string>("--mode") { Description = "Retrieval mode to evaluate, or all three side by side", DefaultValueFactory = _ => "hybrid" };
        mode.AcceptOnlyFromAmong([.. AllModes, "all"]);
        var output = new Option<string?>("--out") { Description = "Write one JSON line per question and mode: passages retrieved and which metrics hit" };
        var command = new Command("eval", "Measure retrieval and answering on a question file (runs on the local data directory)") { questions, docs, top, mode, output };
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, ct, async backend =>
        {
            if (backend is not LocalBackend local)
                throw new CliException("eval runs on the local data directory only; leave out --server (and DOCQA_SERVER)");
            var k = parse.GetValue(top);
            if (k is < 1 or > 50) throw new CliException("--top must be between 1 and 50");
            var modeName = parse.GetValue(mode)!;
            var modes = modeName == "all" ? AllModes : [modeName];
            var settings = new EvalSettings(parse.GetValue(questions)!, parse.GetValue(docs)!, k, modes, parse.GetValue(output), parse.GetValue(CommonOptions.Json));
            return await EvaluateAsync(local, settings, ct);
        }));
        return command;
    }

    private sealed record EvalSettings(IReadOnlyList<string> QuestionFiles, string DocsFolder, int Top, IReadOnlyList<string> Modes, string? OutFile, bool Json);

    private static async Task<int> EvaluateAsync(LocalBackend backend, EvalSettings settings, CancellationToken ct)
    {
        var questions = settings.QuestionFiles.SelectMany(ReadQuestions).ToList();
        if (questions.GroupBy(q => q.Id).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new CliException($"question id '{duplicate.Key}' appears in more than one question file");
        var answerable = questions.Where(q => q.Answerable).ToList();
        if (!Directory.Exists(settings.DocsFolder)) throw new CliException($"no such folder: {settings.DocsFolder}");
        var index = IndexNameFor(settings.DocsFolder);
        await IngestFolderAsync(backend.Services, index, settings.DocsFolder, ct);

        var retriever = backend.Services.GetRequiredService<Retriever>();
        var ask = backend.Services.GetRequiredService<AskService>();
        // The first mode's figures head the JSON report (hybrid when it is measured).
        var answerMode = settings.Modes.Contains("hybrid") ? "hybrid" : settings.Modes[0];
        // Retrieval fetches at least 10 passages so MRR@10 can be computed; the first k are the ones scored at k.
        var depth = Math.Max(settings.Top, EvalMetrics.MrrDepth);

        // Load the model and warm the search paths so the first question's timing is not a cold start.
        await backend.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["warm up"], cancellationToken: ct);
        foreach (var mode in settings.Modes) await retriever.SearchAsync(new SearchRequest(index, questions[0].Question, depth, ParseMode(mode)), ct);

        var scores = settings.Modes.ToDictionary(m => m, _ => new List<QuestionScore>());
        var retrievalMs = settings.Modes.ToDictionary(m => m, _ => new List<double>());
        var answerMs = settings.Modes.ToDictionary(m => m, _ => new List<double>());
        var answerScores = settings.Modes.ToDictionary(m => m, _ => new List<AnswerScore>());
        await using var outWriter = settings.OutFile is null ? null : new StreamWriter(settings.OutFile, append: false, new UTF8Encoding(false));
        var lineOptions = new JsonSerializerOptions(CliOutput.Json) { WriteIndented = false };

        Console.Error.WriteLine($"eval: {questions.Count} questions ({questions.Count - answerable.Count} unanswerable), modes {string.Join(", ", settings.Modes)}, answers by {ask.Mode}");
        var clock = new Stopwatch();
        for (var i = 0; i < questions.Count; i++)
        {
            var question = questions[i];
            foreach (var mode in settings.Modes)
            {
                clock.Restart();
                var ranked = await retriever.SearchAsync(new SearchRequest(index, question.Question, depth, ParseMode(mode)), ct);
                var elapsed = clock.Elapsed.TotalMilliseconds;
                // Retrieval metrics count answerable questions only: an unanswerable one has no right document.
                var score = question.Answerable ? EvalMetrics.Score(question, ranked, settings.Top) : null;
                if (score is not null)
                {
                    retrievalMs[mode].Add(elapsed);
                    scores[mode].Add(score);
                }

                // AskAsync times its own retrieval and answer apart; only the answer part is taken here.
                var answer = await ask.AskAsync(new AskRequest(index, question.Question, settings.Top, ParseMode(mode)), ct);
                answerMs[mode].Add(answer.Timings.AnswerMs);
                var answerScore = EvalMetrics.ScoreAnswer(question, answer.Answer.Text, answer.Answer.NoAnswer);
                answerScores[mode].Add(answerScore);

                if (outWriter is not null)
                {
                    var line = QuestionLine(question, mode, ranked, score, elapsed, answer, answerScore);
                    await outWriter.WriteLineAsync(JsonSerializer.Serialize(line, lineOptions).AsMemory(), ct);
                }
            }
            if ((i + 1) % 25 == 0 || i + 1 == questions.Count) Console.Error.WriteLine($"eval: {i + 1}/{questions.Count} questions");
        }

        var rows = settings.Modes.ToDictionary(m => m, m => Metrics(
            EvalMetrics.Summarise(scores[m]), EvalMetrics.SummariseAnswers(answerScores[m]), retrievalMs[m], answerMs[m]));
        if (settings.Json)
        {
            var main = rows[answerMode];
            CommonOptions.PrintJson(new EvalReportDto(main.Questions, main.DocHitAt1, main.DocHitAt5, main.PageHitAt5, main.AnswerRecallAt5,
                main.MrrAt10, main.RetrievalP50Ms, main.RetrievalP95Ms, main.AnswerP50Ms, main.AnswerP95Ms,
                main.Unanswerable, main.NoAnswerOnUnanswerable, main.NoAnswerOnAnswerable, main.AnswerTextRecall, rows.Count > 1 ? rows : null));
        }
        else
        {
            PrintTable(rows, settings.Top, index, ask.Mode);
        }
        return 0;
    }

    private static IReadOnlyList<EvalQuestion> ReadQuestions(string path)
    {
        if (!File.Exists(path)) throw new CliException($"no such question file: {path}");
        try
        {
            using var reader = new StreamReader(path);
            return EvalQuestionReader.Read(reader);
        }
        catch (EvalFormatException e)
        {
            throw new CliException($"{path}: {e.Message}");
        }
    }

    /// <summary>"eval-" and a slug of the folder and its parent ("…/sec-10q/docs" is eval-sec-10q-docs), so sets whose folders share a name keep apart.</summary>
    public static string IndexNameFor(string folder)
    {
        var full = new DirectoryInfo(Path.GetFullPath(folder));
        var name = full.Parent is { } parent && parent.Parent is not null ? parent.Name + "-" + full.Name : full.Name;
        var slug = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c)) slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        }
        var text = slug.ToString().Trim('-');
        if (text.Length == 0) text = "docs";
        return ("eval-" + text)[..Math.Min(64, 5 + text.Length)].TrimEnd('-');
    }

    /// <summary>Brings the index in step with the folder: new and changed files are processed, unchanged ones reused, removed ones deleted.</summary>
    private static async Task IngestFolderAsync(IServiceProvider services, string index, string folder, CancellationToken ct)
    {
        var library = services.GetRequiredService<DocumentLibrary>();
        var runner = services.GetRequiredService<IngestionRunner>();
        var files = DocumentPaths.Expand([folder], out _);
        if (files.Count == 0) throw new CliException($"no files in {folder}");

        var submitted = new HashSet<string>(StringComparer.Ordinal);
        var fileNames = new HashSet<string>(StringComparer.Ordinal);
        var reused = 0;
        foreach (var file in files)
        {
            try
            {
                await using var content = File.OpenRead(file);
                var result = await library.SubmitAsync(new Upload(index, Path.GetFileName(file), content), ct);
                fileNames.Add(result.Document.FileName);
                if (result.Outcome == UploadOutcome.Unchanged) reused++;
                else submitted.Add(result.Document.Id);
            }
            catch (RequestRejectedException e) when (e.Kind == RejectionKind.UnsupportedMediaType)
            {
                Console.Error.WriteLine($"eval: skipped {file}: not a supported document type");
            }
        }
        // A document left over from an earlier run on a file that is gone would still be retrieved and skew the figures.
        foreach (var stale in (await library.ListAsync(index, ct)).Where(d => !fileNames.Contains(d.FileName)))
        {
            Console.Error.WriteLine($"eval: removing {stale.FileName} from index {index}: no longer in the folder");
            await library.DeleteAsync(index, stale.Id, ct);
        }

        Console.Error.WriteLine($"eval: index {index}: {reused} document(s) unchanged, {submitted.Count} to process");
        if (submitted.Count > 0)
        {
            var done = 0;
            var clock = Stopwatch.StartNew();
            void Report(DocumentRecord record)
            {
                if (record.Index != index || !submitted.Contains(record.Id)) return;
                var n = Interlocked.Increment(ref done);
                var state = record.Status == DocumentStatus.Ready ? $"{record.Pages} pages, {record.Chunks} chunks" : $"{record.Status.ToString().ToLowerInvariant()} {record.Error}";
                Console.Error.WriteLine($"eval: [{n}/{submitted.Count}] {record.FileName}: {state} ({clock.Elapsed.TotalSeconds:0} s)");
            }
            await runner.DrainAsync(Report, ct);
        }
        // After a change of embedding model, the stored chunks are embedded again rather than extracted again.
        var reembedded = await services.GetRequiredService<Reembedder>().RunAsync(
            record => Console.Error.WriteLine($"eval: re-embedded {record.FileName}"), ct);
        if (reembedded > 0) Console.Error.WriteLine($"eval: re-embedded {reembedded} document(s) with {services.GetRequiredService<EmbeddingSpaces>().CurrentModel}");
        var failed = (await library.ListAsync(index, ct)).Where(d => d.Status != DocumentStatus.Ready).ToList();
        // The questions still run: a failed document is part of what is measured, but it should not pass unnoticed.
        foreach (var d in failed) Console.Error.WriteLine($"eval: warning: {d.FileName} is {d.Status.ToString().ToLowerInvariant()}: {d.Error}");
    }

    private static RetrievalMode ParseMode(string mode) => Enum.Parse<RetrievalMode>(mode, ignoreCase: true);

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;

    private static EvalMetricsDto Metrics(EvalSummary summary, AnswerSummary answers, IReadOnlyList<double> retrievalMs, IReadOnlyList<double> answerMs) => new(
        summary.Questions,
        Math.Round(summary.DocHitAt1, 4),
        Math.Round(summary.DocHitAtK, 4),
        summary.PageHitAtK is { } page ? Math.Round(page, 4) : null,
        summary.AnswerRecallAtK is { } recall ? Math.Round(recall, 4) : null,
        Math.Round(summary.MrrAt10, 4),
        Math.Round(EvalMetrics.Percentile(retrievalMs, 50), 1),
        Math.Round(EvalMetrics.Percentile(retrievalMs, 95), 1),
        Math.Round(EvalMetrics.Percentile(answerMs, 50), 1),
        Math.Round(EvalMetrics.Percentile(answerMs, 95), 1),
        answers.Unanswerable,
        Round(answers.NoAnswerOnUnanswerable),
        Round(answers.NoAnswerOnAnswerable),
        Round(answers.AnswerTextRecall));

    private static void PrintTable(IReadOnlyDictionary<string, EvalMetricsDto> rows, int k, string index, string answerMode)
    {
        static string Share(double? value) => value is { } v ? v.ToString("0.000") : "-";
        static string Ms(double? p50, double? p95) => p50 is { } a && p95 is { } b ? $"{a:0.0} / {b:0.0}" : "-";
        // Short headers and p50/p95 in one cell keep the table readable in an 80-column terminal.
        var table = new Table().AddColumns("Mode", "Qs", "docHit@1", $"docHit@{k}", $"pageHit@{k}", $"ansRecall@{k}", "MRR@10",
            "retrieval ms p50/p95", "answer ms p50/p95");
        foreach (var (mode, m) in rows)
            table.AddRow(mode, m.Questions.ToString(), Share(m.DocHitAt1), Share(m.DocHitAt5), Share(m.PageHitAt5), Share(m.AnswerRecallAt5),
                Share(m.MrrAt10), Ms(m.RetrievalP50Ms, m.RetrievalP95Ms), Ms(m.AnswerP50Ms, m.AnswerP95Ms));
        AnsiConsole.MarkupLineInterpolated($"index [bold]{index}[/], {answerMode} answers");
        CliOutput.Write(table);
        // Answer-level figures in a table of their own: the retrieval table already fills 80 columns.
        var answers = new Table().AddColumns("Mode", "unanswerable Qs", "noAnswer on unanswerable", "noAnswer on answerable", "answer text recall");
        foreach (var (mode, m) in rows)
            answers.AddRow(mode, m.Unanswerable.ToString(), Share(m.NoAnswerOnUnanswerable), Share(m.NoAnswerOnAnswerable), Share(m.AnswerTextRecall));
        CliOutput.Write(answers);
    }

    private static EvalLineDto QuestionLine(EvalQuestion question, string mode, IReadOnlyList<Passage> ranked, QuestionScore? score, double retrievalMs,
        AskResult answer, AnswerScore answerScore) => new(
        question.Id, question.Question, mode, question.Answerable, question.Answer, question.Sources, question.Pages,
        ranked.Select((p, i) => new EvalPassageDto(i + 1, p.DocumentId, p.FileName, p.Page, p.PageEnd, Math.Round(p.Score, 6),
            EvalMetrics.FromSource(question, p), EvalMetrics.OnGoldPage(question, p), p.Text.Length <= 300 ? p.Text : p.Text[..300])).ToList(),
        score is null ? null : new EvalHitsDto(score.DocHitAt1, score.DocHitAtK, score.PageHit, score.AnswerRecall, score.ReciprocalRank, score.MissingNumbers),
        Math.Round(retrievalMs, 1), answer.Answer.Text, answer.Answer.NoAnswer, answer.Answer.NoAnswerReason, answerScore.TextRecall, answer.Timings.AnswerMs);

    /// <summary>
    /// The figures of one mode; "At5" stands for at --top (5 unless changed). Questions counts the answerable questions
    /// (the retrieval metrics' base), Unanswerable the others; the answer-level shares are null where no question counts.
    /// </summary>
    private sealed record EvalMetricsDto(int Questions, double DocHitAt1, double DocHitAt5, double? PageHitAt5, double? AnswerRecallAt5, double MrrAt10,
        double RetrievalP50Ms, double RetrievalP95Ms, double? AnswerP50Ms, double? AnswerP95Ms,
        int Unanswerable, double? NoAnswerOnUnanswerable, double? NoAnswerOnAnswerable, double? AnswerTextRecall);

    private sealed record EvalReportDto(int Questions, double DocHitAt1, double DocHitAt5, double? PageHitAt5, double? AnswerRecallAt5, double MrrAt10,
        double RetrievalP50Ms, double RetrievalP95Ms, double? AnswerP50Ms, double? AnswerP95Ms,
        int Unanswerable, double? NoAnswerOnUnanswerable, double? NoAnswerOnAnswerable, double? AnswerTextRecall,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, EvalMetricsDto>? Modes);

    /// <summary>
    /// One retrieved passage: its document, its pages (Page, the page of its text, and PageEnd, the same for chunks made
    /// on one page), whether it comes from a source document and whether it stands on a gold page (null when the
    /// question names no pages), so that a reader sees which passages made docHit and pageHit.
    /// </summary>
    private sealed record EvalPassageDto(int Rank, string DocumentId, string FileName, int Page, int PageEnd, double Score,
        bool FromSource, bool? OnGoldPage, string Text);

    private sealed record EvalHitsDto(bool DocHitAt1, bool DocHitAtK, bool? PageHitAtK, double? AnswerRecallAtK, double ReciprocalRank, IReadOnlyList<string> MissingNumbers);

    private sealed record EvalLineDto(string Id, string Question, string Mode, bool Answerable, string ReferenceAnswer, IReadOnlyList<string> Sources,
        IReadOnlyList<int> Pages, IReadOnlyList<EvalPassageDto> Passages, EvalHitsDto? Hits, double RetrievalMs, string SystemAnswer, bool NoAnswer,
        string? NoAnswerReason, double? AnswerTextRecall, double AnswerMs);
}
