using DocQa.Llm.LlamaSharp;

namespace DocQa.Llm.LlamaSharp.Tests;

public sealed class StopStringFilterTests
{
    private readonly StopStringFilter _filter = new(["<|im_end|>", "</s>"]);

    [Fact]
    public void Text_without_stop_strings_passes_at_once()
    {
        Assert.Equal("Hello", _filter.Push("Hello"));
        Assert.Equal(" world", _filter.Push(" world"));
        Assert.Equal("", _filter.Flush());
        Assert.False(_filter.Stopped);
    }

    [Fact]
    public void A_possible_start_of_a_stop_string_waits_until_it_proves_otherwise()
    {
        Assert.Equal("a ", _filter.Push("a <|i"));
        Assert.Equal("<|image", _filter.Push("mage"));
        Assert.False(_filter.Stopped);
    }

    [Fact]
    public void A_stop_string_split_over_pieces_cuts_the_text_before_it()
    {
        Assert.Equal("Done.", _filter.Push("Done.<|im"));
        Assert.Equal("", _filter.Push("_end|> and more"));
        Assert.True(_filter.Stopped);
        Assert.Equal("", _filter.Push("ignored"));
        Assert.Equal("", _filter.Flush());
    }

    [Fact]
    public void The_earliest_stop_string_wins()
    {
        Assert.Equal("x", _filter.Push("x</s>y<|im_end|>"));
        Assert.True(_filter.Stopped);
    }

    [Fact]
    public void Held_back_text_is_released_when_the_stream_ends()
    {
        Assert.Equal("ends with ", _filter.Push("ends with <"));
        Assert.Equal("<", _filter.Flush());
    }
}
