using DocQa.Embeddings.Onnx;

namespace DocQa.Embeddings.Onnx.Tests;

[Collection(MiniLmCollection.Name)]
public class WordPieceTokenizerTests(MiniLmFixture fixture)
{
    private readonly WordPieceTokenizer _tokenizer = fixture.Tokenizer;

    [Fact]
    public void Window_leaves_room_for_the_two_special_tokens()
    {
        Assert.Equal(254, _tokenizer.MaxTextTokens);
        Assert.Equal(510, new WordPieceTokenizer(EmbeddingModel.ArcticXs).MaxTextTokens);
    }

    [Fact]
    public void Splits_an_unknown_word_into_the_vocabulary_pieces()
    {
        // In this uncased vocabulary "unaffable" is una ##ffa ##ble.
        Assert.Equal([14477, 20961, 3468], _tokenizer.EncodeText("unaffable"));
        Assert.Equal(3, _tokenizer.CountTokens("unaffable"));
    }

    [Fact]
    public void Counts_words_and_punctuation_without_special_tokens()
    {
        // hello , world !  -> [CLS] and [SEP] are not counted.
        Assert.Equal([7592, 1010, 2088, 999], _tokenizer.EncodeText("hello, world!"));
        Assert.Equal(4, _tokenizer.CountTokens("hello, world!"));
    }

    [Fact]
    public void Lower_cases_and_strips_accents()
    {
        Assert.Equal(_tokenizer.EncodeText("hello world naive cafe"), _tokenizer.EncodeText("HÉLLO World naïve Café"));
    }

    [Fact]
    public void Line_breaks_and_tabs_separate_words()
    {
        var spaced = _tokenizer.EncodeText("one line two lines");
        Assert.Equal(spaced, _tokenizer.EncodeText("one\nline\ttwo\r\nlines"));
        Assert.Equal(4, spaced.Count);
    }

    [Fact]
    public void Symbols_are_tokens_of_their_own()
    {
        // '>' and '$' are kept as tokens (ids 1028 and 1002), not dropped.
        Assert.Equal([1037, 1028, 1038], _tokenizer.EncodeText("a > b"));
        Assert.Equal(6, _tokenizer.CountTokens("x=$5+y"));
    }

    [Fact]
    public void Chinese_characters_are_split_one_by_one()
    {
        Assert.Equal(2, _tokenizer.CountTokens("中文"));
    }

    [Fact]
    public void Special_token_names_in_text_are_read_as_text()
    {
        Assert.DoesNotContain(_tokenizer.SeparatorTokenId, _tokenizer.EncodeText("before [SEP] after"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\t\r\n")]
    [InlineData("\u200b\u0000")]
    public void Empty_and_blank_text_has_no_tokens(string text)
    {
        Assert.Equal(0, _tokenizer.CountTokens(text));
        Assert.Equal([_tokenizer.ClassificationTokenId, _tokenizer.SeparatorTokenId], _tokenizer.EncodeForModel(text));
    }

    [Fact]
    public void Model_input_is_wrapped_in_cls_and_sep()
    {
        var input = _tokenizer.EncodeForModel("hello, world!");
        Assert.Equal([101, 7592, 1010, 2088, 999, 102], input);
    }

    [Fact]
    public void Model_input_keeps_the_first_254_tokens_even_inside_a_word()
    {
        // 253 one-token words then a three-piece word: the cut falls after its first piece.
        var text = string.Join(" ", Enumerable.Repeat("a", 253)) + " unaffable and more words after it";
        var all = _tokenizer.EncodeText(text);
        var input = _tokenizer.EncodeForModel(text);

        Assert.Equal(256, input.Length);
        Assert.Equal(all.Take(254).Select(id => (long)id), input[1..^1]);
        Assert.Equal(14477, input[^2]);
        Assert.Equal(254, _tokenizer.EncodeText(text, 254).Count);
        Assert.Equal(all.Count, _tokenizer.CountTokens(text));
    }

    [Fact]
    public void Counting_from_many_threads_gives_the_same_counts()
    {
        var texts = Enumerable.Range(0, 400)
            .Select(i => $"Paragraph {i}: the café's revenue grew {i}% in Q{i % 4}\nwhile costs > income? {new string('x', i % 30)}")
            .ToArray();
        var expected = texts.Select(_tokenizer.CountTokens).ToArray();

        var actual = new int[texts.Length];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => actual[i] = _tokenizer.CountTokens(texts[i]));

        Assert.Equal(expected, actual);
        Assert.All(expected, count => Assert.InRange(count, 15, 40));
    }
}
