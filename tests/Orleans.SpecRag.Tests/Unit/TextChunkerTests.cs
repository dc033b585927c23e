using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class TextChunkerTests
{
    private static string Sentence(int index, int words) =>
        string.Join(' ', Enumerable.Range(0, words - 1).Select(w => $"w{index}x{w}")) + " end.";

    [Fact]
    public void Passages_hold_about_a_hundred_words_and_never_split_a_sentence()
    {
        var sentences = Enumerable.Range(0, 30).Select(i => Sentence(i, 12)).ToArray();
        var passages = TextChunker.Chunk(string.Join(' ', sentences.Select(s => char.ToUpperInvariant(s[0]) + s[1..])));

        Assert.True(passages.Count >= 3);
        Assert.All(passages, p => Assert.InRange(SentenceSplitter.CountWords(p), 12, TextChunker.TargetWords));
        Assert.Equal(30 * 12, passages.Sum(SentenceSplitter.CountWords));
        Assert.All(passages, p => Assert.EndsWith("end.", p));
    }

    [Fact]
    public void A_sentence_longer_than_the_maximum_is_cut()
    {
        var text = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"w{i}"));
        var passages = TextChunker.Chunk(text);
        Assert.All(passages, p => Assert.True(SentenceSplitter.CountWords(p) <= TextChunker.MaxWords));
        Assert.Equal(400, passages.Sum(SentenceSplitter.CountWords));
    }

    [Fact]
    public void Markdown_headings_and_bullets_become_separate_clean_sentences()
    {
        var sentences = SentenceSplitter.Split("# Title here\n\n- first item\n- **second** item with `code`\nOne. Two e.g. three. 3.5 ms is fast!");
        Assert.Equal(["Title here", "first item", "second item with code", "One.", "Two e.g. three.", "3.5 ms is fast!"], sentences);
    }

    [Fact]
    public void Initials_and_titles_before_a_name_do_not_end_a_sentence()
    {
        var sentences = SentenceSplitter.Split("It began with G. Stanley Hall in 1904. Dr. Smith of the U.S. Army agreed. He left.");
        Assert.Equal(["It began with G. Stanley Hall in 1904.", "Dr. Smith of the U.S. Army agreed.", "He left."], sentences);
        Assert.Equal(["He said \"Dr. Smith\" was here.", "Then he left."], SentenceSplitter.Split("He said \"Dr. Smith\" was here. Then he left."));
    }

    [Fact]
    public void Empty_text_has_no_passages()
    {
        Assert.Empty(TextChunker.Chunk("  \n\n "));
    }
}
