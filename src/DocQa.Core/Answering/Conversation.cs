using DocQa.Core.Understanding;

namespace DocQa.Core.Answering;

/// <summary>An earlier turn of a conversation: the question asked and, when known, the answer given.</summary>
public sealed record ConversationTurn(string Question, string? Answer = null);

/// <summary>
/// Makes a follow-up question ("and the quarter before?") standalone before it is searched and answered, from the
/// conversation's earlier turns.
/// </summary>
public interface IQuestionRewriter
{
    Task<string> MakeStandaloneAsync(IReadOnlyList<ConversationTurn> history, string question, CancellationToken cancellationToken = default);
}

/// <summary>Without a model: the names, periods and subject of the earlier questions carry over (<see cref="FollowUpQuestions"/>).</summary>
public sealed class CarryOverQuestionRewriter : IQuestionRewriter
{
    public Task<string> MakeStandaloneAsync(IReadOnlyList<ConversationTurn> history, string question, CancellationToken cancellationToken = default) =>
        Task.FromResult(FollowUpQuestions.MakeStandalone(history.Select(turn => turn.Question), question));
}
