using DocQa.Core.Understanding;
using Microsoft.Extensions.AI;

namespace DocQa.Core.Answering.Generation;

/// <summary>
/// With a language model: the model rewrites a follow-up as a standalone question from the conversation. A question
/// that does not lean on earlier turns is not sent to the model, and a rewrite that does not read as one question
/// (empty, several lines, far longer than the question and its context) gives way to the carry-over rules.
/// </summary>
public sealed class ModelQuestionRewriter(ILanguageModel model, GenerationGate gate) : IQuestionRewriter
{
    private const int MaxRewriteTokens = 96;

    private const string Instructions =
        "Rewrite the user's last question so that it can be understood without the conversation: put in the names, " +
        "periods and subjects it refers to from the earlier turns. Do not answer it. Reply with the rewritten question only, on one line.";

    private readonly CarryOverQuestionRewriter _carryOver = new();

    public async Task<string> MakeStandaloneAsync(IReadOnlyList<ConversationTurn> history, string question, CancellationToken cancellationToken = default)
    {
        if (!FollowUpQuestions.LeansOnEarlierTurns(question)) return question;
        var carriedOver = await _carryOver.MakeStandaloneAsync(history, question, cancellationToken);

        var messages = new List<ChatMessage> { new(ChatRole.System, Instructions) };
        foreach (var turn in history)
        {
            messages.Add(new ChatMessage(ChatRole.User, turn.Question));
            if (!string.IsNullOrWhiteSpace(turn.Answer)) messages.Add(new ChatMessage(ChatRole.Assistant, turn.Answer));
        }
        messages.Add(new ChatMessage(ChatRole.User, $"Last question: {question}\nStandalone question:"));

        string rewrite;
        using (await gate.EnterAsync(cancellationToken))
        {
            try
            {
                var response = await model.ChatClient.GetResponseAsync(messages,
                    new ChatOptions { MaxOutputTokens = MaxRewriteTokens, Temperature = 0, ModelId = model.Name }, cancellationToken);
                rewrite = response.Text.Trim().Trim('"', '\u201C', '\u201D').Trim();
            }
            catch (ModelUnavailableException)
            {
                // The answerer meets the same failure and reports it (or falls back); the carried-over question serves it.
                return carriedOver;
            }
        }
        return ReadsAsOneQuestion(rewrite, carriedOver) ? rewrite : carriedOver;
    }

    private static bool ReadsAsOneQuestion(string rewrite, string carriedOver) =>
        rewrite.Length > 0 && !rewrite.Contains('\n') && rewrite.Length <= 2 * carriedOver.Length + 80 && rewrite.Any(char.IsLetter);
}
