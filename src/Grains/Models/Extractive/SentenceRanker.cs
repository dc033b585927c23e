using System.Numerics.Tensors;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>A sentence of a passage with its cosine similarity to the question.</summary>
public sealed record RankedSentence(string Text, string PassageId, int PassageOrder, int Position, double Similarity);

/// <summary>
/// Ranks the sentences of some passages against a question with the embedder. Shared by the extractive
/// drafter (one subset) and the extractive verifier's standard mode (all retrieved passages).
/// </summary>
public sealed class SentenceRanker(IEmbedder embedder)
{
    /// <summary>Sentences shorter than this are headings or fragments; they are only used when nothing else exists.</summary>
    public const int MinWords = 4;

    public async Task<IReadOnlyList<RankedSentence>> RankAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken)
    {
        var candidates = new List<(string Text, string PassageId, int PassageOrder, int Position)>();
        for (var p = 0; p < passages.Count; p++)
        {
            var sentences = SentenceSplitter.Split(passages[p].Text);
            for (var s = 0; s < sentences.Count; s++)
            {
                candidates.Add((sentences[s], passages[p].Id, p, s));
            }
        }

        var substantial = candidates.Where(c => SentenceSplitter.CountWords(c.Text) >= MinWords).ToList();
        if (substantial.Count > 0)
        {
            candidates = substantial;
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        var vectors = await embedder.EmbedAsync([question, .. candidates.Select(c => c.Text)], cancellationToken);
        var questionVector = vectors[0];
        return candidates
            .Select((c, i) => new RankedSentence(c.Text, c.PassageId, c.PassageOrder, c.Position, TensorPrimitives.Dot(questionVector, vectors[i + 1])))
            .OrderByDescending(r => r.Similarity)
            .ThenBy(r => r.PassageOrder)
            .ThenBy(r => r.Position)
            .ToArray();
    }

    /// <summary>
    /// α = the best sentence; β = the next <paramref name="rationaleSentences"/> best, in reading order.
    /// ρ_Draft = log P(β) + log P(α), with P from <see cref="ExtractiveCalibration"/> and log P(β) the mean
    /// over β's sentences (so it does not depend on how many sentences β has).
    /// </summary>
    public static DraftOutput Compose(IReadOnlyList<RankedSentence> ranked, int rationaleSentences)
    {
        if (ranked.Count == 0)
        {
            throw new InvalidOperationException("The passages contain no text to draft from.");
        }

        var answer = ranked[0];
        var support = ranked.Skip(1).Take(rationaleSentences).ToArray();
        if (support.Length == 0)
        {
            support = [answer];
        }

        var rationale = string.Join(' ', support.OrderBy(s => s.PassageOrder).ThenBy(s => s.Position).Select(s => s.Text));
        var logRationale = support.Average(s => ExtractiveCalibration.LogProbability(s.Similarity));
        var logAnswer = ExtractiveCalibration.LogProbability(answer.Similarity);
        var evidence = new[] { answer }.Concat(support).Select(s => s.PassageId).Distinct().ToArray();
        return new DraftOutput(answer.Text, rationale, logRationale, logAnswer) { EvidenceIds = evidence };
    }
}
