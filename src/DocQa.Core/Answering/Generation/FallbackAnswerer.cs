using System.Runtime.CompilerServices;
using DocQa.Core.Retrieval;
using Microsoft.Extensions.Logging;

namespace DocQa.Core.Answering.Generation;

/// <summary>
/// Generates answers, and when the model is unavailable before the answer starts, answers extractively if
/// <paramref name="extractive"/> is given, or refuses with 503 (Overloaded) if not. A failure after the first words
/// have been streamed ends the stream: the reader already holds part of a generated answer.
/// </summary>
public sealed class FallbackAnswerer(IAnswerGenerator generated, IAnswerGenerator? extractive, ILogger<FallbackAnswerer> logger) : IAnswerGenerator
{
    /// <summary>How long a client is asked to wait before trying again when there is no fallback.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    public string Mode => generated.Mode;

    public string? ModelName => generated.ModelName;

    public async Task<Answer> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        try
        {
            return await generated.AnswerAsync(question, passages, cancellationToken);
        }
        catch (ModelUnavailableException failure)
        {
            return await Fallback(failure).AnswerAsync(question, passages, cancellationToken);
        }
    }

    public async Task<AnswerSession> StartAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        var session = await generated.StartAsync(question, passages, cancellationToken);
        // The generation runs under its own source, cancelled by this start's token while the first update is awaited
        // and by the reader's token afterwards.
        var generation = new CancellationTokenSource();
        var updates = session.Updates.GetAsyncEnumerator(generation.Token);
        bool any;
        try
        {
            using (cancellationToken.Register(generation.Cancel))
                any = await updates.MoveNextAsync();
        }
        catch (ModelUnavailableException failure)
        {
            await updates.DisposeAsync();
            session.Dispose();
            generation.Dispose();
            return await Fallback(failure).StartAsync(question, passages, cancellationToken);
        }
        catch
        {
            await updates.DisposeAsync();
            session.Dispose();
            generation.Dispose();
            throw;
        }
        return new AnswerSession(session.Citations, Resume(any ? updates.Current : null, updates, generation, CancellationToken.None), session);
    }

    private IAnswerGenerator Fallback(ModelUnavailableException failure)
    {
        if (extractive is null)
        {
            logger.LogWarning(failure, "The language model is unavailable: {Reason}", failure.Message);
            throw new RequestRejectedException(RejectionKind.Overloaded, $"The language model is unavailable: {failure.Message}") { RetryAfter = RetryAfter };
        }
        logger.LogWarning(failure, "The language model is unavailable, answering extractively: {Reason}", failure.Message);
        return extractive;
    }

    private static async IAsyncEnumerable<AnswerUpdate> Resume(AnswerUpdate? first, IAsyncEnumerator<AnswerUpdate> updates,
        CancellationTokenSource generation, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var _ = generation;
        await using var __ = updates;
        using var ___ = cancellationToken.Register(generation.Cancel);
        if (first is null) yield break;
        yield return first;
        while (await updates.MoveNextAsync()) yield return updates.Current;
    }
}
