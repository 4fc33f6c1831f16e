using System.ClientModel;
using System.ClientModel.Primitives;
using DocQa.Core.Answering.Generation;
using Microsoft.Extensions.AI;
using OpenAI;

namespace DocQa.Llm.OpenAI;

/// <summary>A model served over the OpenAI chat completions API; one client serves every request.</summary>
public sealed class OpenAiLanguageModel : ILanguageModel
{
    /// <summary>
    /// Characters per token assumed when counting. The server's tokenizer is not at hand, and English text runs at about
    /// four characters per token with common tokenizers; three over-counts, so a prompt fitted with it fits the window.
    /// </summary>
    private const int CharactersPerToken = 3;

    /// <summary>Tokens assumed for each message's role and chat-template markers, and for the generation prompt.</summary>
    private const int TokensPerMessage = 8;

    private readonly OpenAiOptions options;

    public OpenAiLanguageModel(OpenAiOptions options)
    {
        this.options = options;
        var client = new global::OpenAI.Chat.ChatClient(options.Model, new ApiKeyCredential(options.ApiKey ?? "unused"), new OpenAIClientOptions
        {
            Endpoint = options.EndpointUri,
            NetworkTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
        });
        ChatClient = new ModelServerChatClient(client.AsIChatClient(), options.EndpointUri);
    }

    public string Name => options.Model!;

    public int ContextSize => options.ContextSize;

    public IChatClient ChatClient { get; }

    public int CountTokens(IReadOnlyList<ChatMessage> messages) =>
        TokensPerMessage + messages.Sum(message => TokensPerMessage + CountTokens(message.Text));

    public int CountTokens(string text) => (text.Length + CharactersPerToken - 1) / CharactersPerToken;

    /// <summary>
    /// Asks the server for its models (GET {endpoint}/models) within <paramref name="timeout"/>; returns why the server
    /// cannot be used, or null when it answered.
    /// </summary>
    public static async Task<string?> ProbeAsync(OpenAiOptions options, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.EndpointUri, "models"));
        if (options.ApiKey is not null) request.Headers.Authorization = new("Bearer", options.ApiKey);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"GET {request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {timeout.TotalSeconds:0} s";
        }
    }
}
