namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// The embedded default drafter. It is honestly non-generative: it picks the sentence of its passage
/// subset most similar to the question as the answer and the next best sentences as the rationale.
/// </summary>
public sealed class ExtractiveDraftModel(IEmbedder embedder) : IDraftModel
{
    public const int RationaleSentences = 2;

    private readonly SentenceRanker _ranker = new(embedder);

    public string Name => $"extractive/{embedder.ModelName}";

    public async Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        var ranked = await _ranker.RankAsync(question, passages, cancellationToken);
        return SentenceRanker.Compose(ranked, RationaleSentences);
    }
}
