using System.Text.Json;
using Orleans.SpecRag.Gateway.Validation;
using Orleans.SpecRag.Models.Extractive;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Unit;

/// <summary>
/// Every question of the shared dev files, sent as a user would send it (its first ten retrieved passages as they
/// are, empty ones included, and an ARC question's choices), is a valid request: real retriever output is never a 4xx.
/// </summary>
public sealed class DevDataAcceptanceTests
{
    [SharedFileFact("data/popqa-dev.jsonl")]
    public void Every_PopQA_dev_question_with_its_passages_is_accepted()
    {
        var skipped = 0;
        foreach (var item in Lines("data/popqa-dev.jsonl"))
        {
            var outcome = BodyValidator.Validate(Body(item, choices: null));
            Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors.SelectMany(e => e.Value)));
            skipped += outcome.Value!.SkippedDocuments.Count;
            Assert.All(outcome.Value.Documents!, d => Assert.False(string.IsNullOrWhiteSpace(d.Text)));
        }

        // The file's title-only passages are used, not skipped: every one of them has a title.
        Assert.Equal(0, skipped);
    }

    [SharedFileFact("data/arc-challenge-dev.jsonl")]
    public void Every_ARC_dev_question_is_accepted_and_its_choices_are_read_back_as_options()
    {
        foreach (var item in Lines("data/arc-challenge-dev.jsonl"))
        {
            var choices = item.GetProperty("choices").GetProperty("text").EnumerateArray().Select(c => c.GetString()).ToArray();
            var outcome = BodyValidator.Validate(Body(item, choices));
            Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors.SelectMany(e => e.Value)));

            var profile = QuestionProfile.Of(outcome.Value!.Question);
            Assert.Equal(choices, profile.Options.Select(o => o.Text));
            Assert.Equal(item.GetProperty("question").GetString()!.Trim(), profile.Stem);
        }
    }

    [SharedFileFact("data/musique-dev.jsonl")]
    public void Every_MuSiQue_dev_question_is_accepted_and_none_is_taken_for_multiple_choice()
    {
        foreach (var item in Lines("data/musique-dev.jsonl"))
        {
            var question = item.GetProperty("question").GetString();
            var outcome = BodyValidator.Validate(new QueryRequestBody(question, "musique", null, null, null, null, null, null));
            Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors.SelectMany(e => e.Value)));
            Assert.False(QuestionProfile.Of(question!).IsMultipleChoice, question);
        }
    }

    private static QueryRequestBody Body(JsonElement item, IReadOnlyList<string?>? choices) => new(
        item.GetProperty("question").GetString(), null,
        item.GetProperty("ctxs").EnumerateArray().Take(10).Select(c => (InlineDocumentBody?)new InlineDocumentBody(
            c.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } text ? text : null,
            c.TryGetProperty("title", out var title) ? title.GetString() : null,
            c.GetProperty("text").GetString(),
            null)).ToArray(),
        null, null, null, null, null, Choices: choices);

    private static IEnumerable<JsonElement> Lines(string relativePath) =>
        File.ReadLines(SharedData.File(relativePath)!).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone());
}
