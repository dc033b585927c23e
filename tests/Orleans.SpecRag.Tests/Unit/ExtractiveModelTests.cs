using System.Numerics.Tensors;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Extractive;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Unit;

/// <summary>The extractive default models against the definitions in docs/scoring.md, on the real MiniLM embedder.</summary>
public sealed class ExtractiveModelTests
{
    private static readonly IEmbedder Embedder = SharedModels.MiniLm;

    private static Passage P(string id, string text) => new(id, id, null, text, [], 0);

    [Fact]
    public async Task The_drafter_answers_with_the_most_relevant_sentence_and_scores_it_as_documented()
    {
        var model = new ExtractiveDraftModel(Embedder);
        const string question = "What is the capital of France?";
        Passage[] passages =
        [
            P("a", "Bananas are rich in potassium. Paris is the capital and largest city of France."),
            P("b", "France borders Spain, Belgium and Germany. The Eiffel Tower stands in Paris."),
        ];

        var draft = await model.DraftAsync(question, passages);

        Assert.Equal("Paris is the capital and largest city of France.", draft.Answer);
        Assert.DoesNotContain(draft.Answer, draft.Rationale);
        Assert.DoesNotContain("Bananas", draft.Rationale);

        // ρ_Draft = mean log p over the two rationale sentences + log p(answer), p = σ(10·(cos − 0.35)).
        var sentences = new[] { draft.Answer }.Concat(SplitRationale(draft.Rationale)).ToArray();
        var vectors = await Embedder.EmbedAsync([question, .. sentences]);
        double Cos(int i) => TensorPrimitives.Dot(vectors[0], vectors[i + 1]);
        var expected = ExtractiveCalibration.LogProbability(Cos(0))
            + Enumerable.Range(1, sentences.Length - 1).Average(i => ExtractiveCalibration.LogProbability(Cos(i)));
        Assert.Equal(expected, draft.DraftScore, 5);
        Assert.True(draft.DraftScore < 0);
    }

    [Fact]
    public async Task The_verifier_rewards_agreement_between_drafts_and_support_by_the_rationale()
    {
        var model = new ExtractiveVerifierModel(Embedder);
        DraftOutput[] drafts =
        [
            new("Paris is the capital of France.", "The French government sits in Paris, its capital city.", -0.5, -0.5),
            new("The capital of France is Paris.", "Paris has been the seat of the French state for centuries.", -0.5, -0.5),
            new("Bananas are yellow when ripe.", "Quantum computers use qubits.", -0.5, -0.5),
        ];

        var scores = await model.ScoreAsync("What is the capital of France?", drafts);

        Assert.Equal(3, scores.Count);
        Assert.All(scores, s => Assert.True(s.SelfConsistency <= 0 && s.SelfReflection <= 0));
        Assert.True(scores[2].SelfConsistency < scores[0].SelfConsistency && scores[2].SelfConsistency < scores[1].SelfConsistency);
        Assert.True(scores[2].SelfReflection < scores[0].SelfReflection && scores[2].SelfReflection < scores[1].SelfReflection);

        // ρ_SR = log p(cos(α, β)) exactly.
        var v = await Embedder.EmbedAsync([drafts[0].Answer, drafts[0].Rationale]);
        Assert.Equal(ExtractiveCalibration.LogProbability(TensorPrimitives.Dot(v[0], v[1])), scores[0].SelfReflection, 5);
    }

    [Fact]
    public async Task A_single_draft_is_judged_against_the_question_only()
    {
        var model = new ExtractiveVerifierModel(Embedder);
        var draft = new DraftOutput("Paris is the capital of France.", "It is on the Seine.", -0.5, -0.5);
        var score = (await model.ScoreAsync("What is the capital of France?", [draft]))[0];
        var v = await Embedder.EmbedAsync(["What is the capital of France?", draft.Answer]);
        Assert.Equal(ExtractiveCalibration.LogProbability(TensorPrimitives.Dot(v[0], v[1])), score.SelfConsistency!.Value, 5);
    }

    [Fact]
    public async Task Standard_mode_cites_the_passages_its_sentences_came_from()
    {
        var model = new ExtractiveVerifierModel(Embedder);
        var answer = await model.AnswerAsync("Who painted the Mona Lisa?",
        [
            P("x", "The Mona Lisa was painted by Leonardo da Vinci. It hangs in the Louvre."),
            P("y", "Tomatoes are technically fruit."),
            P("z", "Leonardo also designed flying machines and studied anatomy."),
        ]);
        Assert.Contains("Leonardo da Vinci", answer.Answer);
        Assert.Contains("x", answer.EvidenceIds!);
    }

    private static IEnumerable<string> SplitRationale(string rationale) => Text.SentenceSplitter.Split(rationale);
}
