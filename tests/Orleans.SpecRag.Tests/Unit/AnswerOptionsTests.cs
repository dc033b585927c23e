using Orleans.SpecRag.Models.Extractive;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class AnswerOptionsTests
{
    [Theory]
    [InlineData("Which gas do plants absorb? (A) oxygen (B) carbon dioxide (C) helium")]
    [InlineData("Which gas do plants absorb? Options: A) oxygen B) carbon dioxide C) helium")]
    [InlineData("Which gas do plants absorb?\nA. oxygen\nB. carbon dioxide\nC. helium")]
    [InlineData("Which gas do plants absorb? A: oxygen; B: carbon dioxide; C: helium")]
    public void The_options_a_question_lists_are_found_in_the_usual_forms(string question)
    {
        var parsed = AnswerOptions.Parse(question);

        Assert.True(parsed.IsMultipleChoice);
        Assert.Equal("Which gas do plants absorb?", parsed.Stem);
        Assert.Equal(["A", "B", "C"], parsed.Options.Select(o => o.Label));
        Assert.Equal(["oxygen", "carbon dioxide", "helium"], parsed.Options.Select(o => o.Text));
    }

    [Theory]
    [InlineData("Who was G. Stanley Hall?")]
    [InlineData("Is Plan A. the best one, or plan C. instead?")]
    [InlineData("What does the vitamin A) do?")]
    public void Initials_and_lone_letters_are_not_options(string question) =>
        Assert.False(AnswerOptions.Parse(question).IsMultipleChoice);

    [Fact]
    public void An_answer_names_its_option_by_label_or_by_its_text()
    {
        var options = AnswerOptions.Parse("Pick one: (A) liquid oxygen (B) oxygen (C) water").Options;

        Assert.Equal("B", AnswerOptions.Find("(B) oxygen", options)!.Label);
        Assert.Equal("C", AnswerOptions.Find("C", options)!.Label);
        Assert.Equal("A", AnswerOptions.Find("It is liquid oxygen, stored cold.", options)!.Label);
        Assert.Null(AnswerOptions.Find("Nothing of the sort.", options));
        Assert.Null(AnswerOptions.Find("Not at all", AnswerOptions.Parse("Is it? (A) No (B) Yes").Options));
        Assert.Equal("(A) liquid oxygen", options[0].AsAnswer);
    }

    [Fact]
    public void A_description_question_is_answered_by_the_phrase_that_describes_the_name()
    {
        var question = QuestionProfile.Of("What is Henry Feilden's occupation?");
        Assert.Equal(["henry", "feilden"], question.Names.Order().Reverse());

        Assert.Equal("an English Conservative Party politician",
            AnswerSpan.Extract("Henry Master Feilden (21 February 1818 – 5 September 1875) was an English Conservative Party politician.", question));
        Assert.Equal("a British architect", AnswerSpan.Extract("He was a British architect, who designed churches.", question));

        // Another subject, or no copula: the whole sentence stays the answer.
        Assert.Null(AnswerSpan.Extract("Bernard Feilden was a British conservation architect.", question));
        Assert.Null(AnswerSpan.Extract("Feilden won the seat in 1868.", question));
    }

    [Fact]
    public void Questions_that_ask_for_a_date_a_place_or_a_choice_keep_whole_sentences()
    {
        const string sentence = "Henry Feilden (born 1818) was an English politician.";
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of("When was Henry Feilden born?")));
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of("Where was Henry Feilden born?")));
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of("Who was Henry Feilden? (A) a politician (B) a jockey")));
    }
}
