using System.Numerics.Tensors;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// The embedded default verifier. Like the paper's verifier it sees only the question and the drafts,
/// never the passages:
/// <list type="bullet">
/// <item>ρ_SC: agreement of the answer with the question and with the other drafts' answers,
/// c = ½·cos(Q, α) + ½·mean<sub>j≠i</sub> cos(α, α<sub>j</sub>) (just cos(Q, α) for a single draft), as log p(c).</item>
/// <item>ρ_SR: how well the rationale supports the answer, log p(cos(α, β)).</item>
/// </list>
/// p is <see cref="ExtractiveCalibration"/>. Standard mode answers like the drafter, over all passages.
/// </summary>
public sealed class ExtractiveVerifierModel(IEmbedder embedder) : IVerifierModel
{
    private readonly SentenceRanker _ranker = new(embedder);

    public string Name => $"extractive/{embedder.ModelName}";

    public string Scoring => "extractive";

    public async Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default)
    {
        if (drafts.Count == 0)
        {
            return [];
        }

        var texts = new List<string> { question };
        foreach (var draft in drafts)
        {
            texts.Add(draft.Answer);
            texts.Add(draft.Rationale);
        }

        var vectors = await embedder.EmbedAsync(texts, cancellationToken);
        var q = vectors[0];
        float[] Answer(int i) => vectors[1 + (2 * i)];
        float[] Rationale(int i) => vectors[2 + (2 * i)];

        var scores = new VerifierScores[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            double agreement = TensorPrimitives.Dot(q, Answer(i));
            if (drafts.Count > 1)
            {
                var others = Enumerable.Range(0, drafts.Count).Where(j => j != i).Average(j => TensorPrimitives.Dot(Answer(i), Answer(j)));
                agreement = (0.5 * agreement) + (0.5 * others);
            }

            var support = TensorPrimitives.Dot(Answer(i), Rationale(i));
            scores[i] = new VerifierScores(ExtractiveCalibration.LogProbability(agreement), ExtractiveCalibration.LogProbability(support));
        }

        return scores;
    }

    public async Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        var ranked = await _ranker.RankAsync(question, passages, cancellationToken);
        return SentenceRanker.Compose(ranked, ExtractiveDraftModel.RationaleSentences);
    }
}
