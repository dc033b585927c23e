namespace Orleans.SpecRag.Models;

/// <summary>What a drafter model returns for one passage subset (also the verifier's answer in standard mode).</summary>
/// <param name="Answer">α.</param>
/// <param name="Rationale">β.</param>
/// <param name="RationaleLogProb">log P(β | Q, δ), a natural log ≤ 0.</param>
/// <param name="AnswerLogProb">log P(α | Q, δ, β), a natural log ≤ 0.</param>
public sealed record DraftOutput(string Answer, string Rationale, double RationaleLogProb, double AnswerLogProb)
{
    /// <summary>ρ_Draft = log P(β | Q, δ) + log P(α | Q, δ, β).</summary>
    public double DraftScore => RationaleLogProb + AnswerLogProb;

    /// <summary>False when the output did not follow the rationale/response format and the raw text became the answer.</summary>
    public bool Parsed { get; init; } = true;

    /// <summary>The passages the answer and rationale came from, when the model can tell; else all it was given.</summary>
    public IReadOnlyList<string>? EvidenceIds { get; init; }

    /// <summary>How many tokens the model generated, when it generates.</summary>
    public int? GeneratedTokens { get; init; }

    /// <summary>
    /// Embeddings the model computed anyway for the question and the rationale's sentences (an embedding-based model
    /// does): a verifier that embeds with the same model uses them instead of computing them again.
    /// </summary>
    public TextEmbeddings? Embeddings { get; init; }
}

/// <summary>The small specialist LM that writes one draft from one subset of passages.</summary>
public interface IDraftModel
{
    /// <summary>Backend and model, e.g. <c>extractive/all-MiniLM-L6-v2</c> or <c>openai/mistral-7b</c>.</summary>
    string Name { get; }

    Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>What a caller knows about one draft call beyond its inputs; decorators read it (telemetry, logs), backends may ignore it.</summary>
public sealed record DraftOptions
{
    /// <summary>The draft's position among its query's m drafts.</summary>
    public int? Index { get; init; }
}

/// <summary>Self-consistency (null when it cannot be computed exactly) and self-reflection of one draft, natural logs ≤ 0.</summary>
public sealed record VerifierScores(double? SelfConsistency, double SelfReflection);

/// <summary>
/// The large generalist LM. It scores drafts without seeing their passages, and in standard mode
/// answers from all retrieved passages (the paper's baseline).
/// </summary>
public interface IVerifierModel
{
    string Name { get; }

    /// <summary>How scores are computed, reported with every result (see <see cref="QueryResult.Scoring"/>).</summary>
    string Scoring { get; }

    Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default);

    Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default);
}
