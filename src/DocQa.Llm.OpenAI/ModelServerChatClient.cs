using System.ClientModel;
using System.Runtime.CompilerServices;
using DocQa.Core.Answering.Generation;
using Microsoft.Extensions.AI;

namespace DocQa.Llm.OpenAI;

/// <summary>
/// Reports the model server's failures — refused connections, error statuses, timeouts — as
/// <see cref="ModelUnavailableException"/>, which the answerer turns into a 503 or an extractive answer.
/// </summary>
internal sealed class ModelServerChatClient(IChatClient inner, Uri endpoint) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception e) when (Unavailable(e, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A yield cannot sit inside try/catch, so each step is taken in one.
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync()) yield break;
            }
            catch (Exception e) when (Unavailable(e, cancellationToken) is { } failure)
            {
                throw failure;
            }
            yield return updates.Current;
        }
    }

    private ModelUnavailableException? Unavailable(Exception e, CancellationToken cancellationToken) => e switch
    {
        ClientResultException { Status: > 0 } status => new($"the model server at {endpoint} answered {status.Status}: {status.Message}", e),
        ClientResultException or HttpRequestException => new($"the model server at {endpoint} cannot be reached: {e.Message}", e),
        OperationCanceledException when !cancellationToken.IsCancellationRequested => new($"the model server at {endpoint} did not answer in time", e),
        _ => null,
    };
}
