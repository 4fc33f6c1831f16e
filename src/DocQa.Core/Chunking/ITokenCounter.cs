namespace DocQa.Core.Chunking;

/// <summary>Counts tokens the way the embedding model does, so that chunks fit its input window.</summary>
public interface ITokenCounter
{
    /// <summary>Tokens of the text alone, without the model's special tokens.</summary>
    int CountTokens(string text);

    /// <summary>The most text tokens the model reads (its window minus its special tokens); the rest is ignored by the model.</summary>
    int MaxTextTokens { get; }
}
