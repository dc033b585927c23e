using Microsoft.Extensions.AI;
using System.Numerics.Tensors;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>A sentence of a passage with its cosine similarity to the question and its relevance (see <see cref="SentenceRanker"/>).</summary>
public sealed record RankedSentence(string Text, string PassageId, int PassageOrder, int Position, double Similarity, double Relevance, float[] Vector)
{
    /// <summary>The title of the passage the sentence comes from, if it has one.</summary>
    public string? Title { get; init; }
}

/// <summary>The sentences of some passages, most relevant first, with the question's vector they were compared with.</summary>
public sealed record SentenceRanking(float[] QuestionVector, IReadOnlyList<RankedSentence> Sentences);

/// <summary>
/// Ranks the sentences of some passages against a question. Relevance is the cosine similarity of the sentence to the
/// question plus <see cref="NameWeight"/> times the share of the question's names found in the sentence or its
/// passage's title: MiniLM alone rates "Feilden was born in Hampstead" (Bernard Feilden's article) as close to
/// "What is Henry Feilden's occupation?" as a sentence about Henry Feilden. Shared by the extractive drafter (one
/// subset) and standard mode (all retrieved passages), so both rank alike.
/// </summary>
public sealed class SentenceRanker(IEmbeddingGenerator<string, Embedding<float>> embedder)
{
    /// <summary>Sentences shorter than this are headings or fragments; they are only used when nothing else exists, or when they are a whole passage.</summary>
    public const int MinWords = 4;

    /// <summary>Tuned on the PopQA dev slice: 0.15 raised standard-mode accuracy from 64 % to 70 %; 0.3 gave the same.</summary>
    public const double NameWeight = 0.15;

    public async Task<SentenceRanking> RankAsync(QuestionProfile question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken)
    {
        var candidates = new List<(string Text, string PassageId, int PassageOrder, int Position, string? Title)>();
        for (var p = 0; p < passages.Count; p++)
        {
            var sentences = SentenceSplitter.Split(passages[p].Text);
            for (var s = 0; s < sentences.Count; s++)
            {
                candidates.Add((sentences[s], passages[p].Id, p, s, passages[p].Title));
            }
        }

        // A passage that is one short text (a title-only passage such as "Category:American jockeys") is not a fragment.
        var single = candidates.GroupBy(c => c.PassageOrder).Where(g => g.Count() == 1).Select(g => g.Key).ToHashSet();
        var substantial = candidates.Where(c => SentenceSplitter.CountWords(c.Text) >= MinWords || single.Contains(c.PassageOrder)).ToList();
        if (substantial.Count > 0)
        {
            candidates = substantial;
        }

        if (candidates.Count == 0)
        {
            return new SentenceRanking([], []);
        }

        var vectors = await embedder.EmbedAsync([question.Stem, .. candidates.Select(c => c.Text)], cancellationToken);
        var questionVector = vectors[0];
        var ranked = candidates
            .Select((c, i) =>
            {
                double similarity = TensorPrimitives.Dot(questionVector, vectors[i + 1]);
                var relevance = similarity + (NameWeight * question.NameCoverage($"{c.Title} {c.Text}"));
                return new RankedSentence(c.Text, c.PassageId, c.PassageOrder, c.Position, similarity, relevance, vectors[i + 1]) { Title = c.Title };
            })
            .OrderByDescending(r => r.Relevance)
            .ThenBy(r => r.PassageOrder)
            .ThenBy(r => r.Position)
            .ToArray();
        return new SentenceRanking(questionVector, ranked);
    }
}
