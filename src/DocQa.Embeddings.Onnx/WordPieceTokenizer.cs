using System.Text.RegularExpressions;
using DocQa.Core.Chunking;
using Microsoft.ML.Tokenizers;

namespace DocQa.Embeddings.Onnx;

/// <summary>
/// The WordPiece tokenizer of a BERT-uncased embedding model (lower-casing, accent stripping,
/// CJK characters split apart), built from the vocabulary shipped with the model.
/// Immutable after construction, so one instance can serve any number of threads.
/// </summary>
public sealed partial class WordPieceTokenizer : ITokenCounter
{
    private readonly BertTokenizer _bert;

    public WordPieceTokenizer(EmbeddingModel? model = null)
    {
        Model = model ?? EmbeddingModel.MiniLm;
        MaxTextTokens = Model.WindowTokens - 2;
        using var vocab = ModelResources.OpenVocab(Model);
        _bert = BertTokenizer.Create(vocab, new BertOptions
        {
            // The library's defaults for these two lose line breaks and symbols; see BertUncasedNormalizer.
            Normalizer = new BertUncasedNormalizer(),
            PreTokenizer = new RegexPreTokenizer(WordOrPunctuation(), null),
            // Document text is data: a literal "[SEP]" in it is read as text, never as a control token.
            SplitOnSpecialTokens = false,
        });
    }

    public EmbeddingModel Model { get; }

    /// <summary>Text tokens that fit the model's window beside [CLS] and [SEP].</summary>
    public int MaxTextTokens { get; }

    public int ClassificationTokenId => _bert.ClassificationTokenId;

    public int SeparatorTokenId => _bert.SeparatorTokenId;

    public int PaddingTokenId => _bert.PaddingTokenId;

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _bert.CountTokens(text);
    }

    /// <summary>The text's token ids without special tokens, cut after <paramref name="maxTokens"/>.</summary>
    public IReadOnlyList<int> EncodeText(string text, int maxTokens = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        if (maxTokens == int.MaxValue)
        {
            return _bert.EncodeToIds(text, addSpecialTokens: false);
        }

        // The library stops at a whole word, whereas the model's own truncation cuts inside a word.
        // A word yields at most MaxInputCharsPerWord pieces, so asking for that many more and
        // cutting afterwards gives exactly the first maxTokens pieces without encoding all of a long text.
        var headroom = (int)Math.Min((long)maxTokens + _bert.MaxInputCharsPerWord, int.MaxValue);
        var ids = _bert.EncodeToIds(text, headroom, addSpecialTokens: false, out _, out _);
        return ids.Count <= maxTokens ? ids : ids.Take(maxTokens).ToArray();
    }

    /// <summary>The model's input for one text: [CLS], at most <see cref="MaxTextTokens"/> text tokens, [SEP].</summary>
    public long[] EncodeForModel(string text)
    {
        var ids = EncodeText(text, MaxTextTokens);
        var input = new long[ids.Count + 2];
        input[0] = ClassificationTokenId;
        for (var i = 0; i < ids.Count; i++)
        {
            input[i + 1] = ids[i];
        }

        input[^1] = SeparatorTokenId;
        return input;
    }

    // BERT splits words at whitespace and sets every punctuation character apart, counting all
    // ASCII symbols ($ + < = > ^ ` | ~) as punctuation too; other symbols stay inside their word.
    [GeneratedRegex(@"[^\s\p{P}$+<=>^`|~]+|[\p{P}$+<=>^`|~]")]
    private static partial Regex WordOrPunctuation();
}
