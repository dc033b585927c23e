namespace Orleans.SpecRag.Models;

/// <summary>What a drafter model returns for one passage subset.</summary>
/// <param name="Answer">α.</param>
/// <param name="Rationale">β.</param>
/// <param name="DraftScore">ρ_Draft = log P(β | Q, δ) + log P(α | Q, δ, β), a natural log ≤ 0.</param>
public sealed record DraftOutput(string Answer, string Rationale, double DraftScore)
{
    /// <summary>The passages the answer and rationale came from, when the model can tell; else all it was given.</summary>
    public IReadOnlyList<string>? EvidenceIds { get; init; }
}

/// <summary>The small specialist LM that writes one draft from one subset of passages.</summary>
public interface IDraftModel
{
    /// <summary>Backend and model, e.g. <c>extractive/all-MiniLM-L6-v2</c>.</summary>
    string Name { get; }

    Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default);
}

/// <summary>Self-consistency and self-reflection of one draft, natural logs ≤ 0.</summary>
public sealed record VerifierScores(double SelfConsistency, double SelfReflection);

/// <summary>
/// The large generalist LM. It scores drafts without seeing their passages, and in standard mode
/// answers from all retrieved passages (the paper's baseline).
/// </summary>
public interface IVerifierModel
{
    string Name { get; }

    Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default);

    Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default);
}
