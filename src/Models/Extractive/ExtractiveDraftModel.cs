using Microsoft.Extensions.AI;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// The embedded default drafter. It is honestly non-generative: it answers from its passage subset with
/// <see cref="ExtractiveAnswerer"/> (the most relevant sentence or a span of it, or the best-supported option).
/// </summary>
public sealed class ExtractiveDraftModel(IEmbeddingGenerator<string, Embedding<float>> embedder) : IDraftModel
{
    private readonly ExtractiveAnswerer _answerer = new(embedder);

    public string Name => $"extractive/{embedder.ModelName}";

    public Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default) =>
        _answerer.AnswerAsync(question, passages, cancellationToken);
}
