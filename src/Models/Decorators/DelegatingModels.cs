namespace Orleans.SpecRag.Models.Decorators;

/// <summary>
/// A draft model that hands every call to another. Cross-cutting concerns (telemetry, logging, the tests' recorders)
/// derive from it and override only what they add, as Microsoft.Extensions.AI's <c>DelegatingChatClient</c> does for
/// chat clients, so a backend holds nothing but its model and a grain nothing but its orchestration.
/// </summary>
public abstract class DelegatingDraftModel(IDraftModel inner) : IDraftModel
{
    protected IDraftModel InnerModel { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public virtual string Name => InnerModel.Name;

    public virtual Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default) =>
        InnerModel.DraftAsync(question, passages, options, cancellationToken);
}

/// <summary>A verifier model that hands every call to another; the base of the verifier's decorators.</summary>
public abstract class DelegatingVerifierModel(IVerifierModel inner) : IVerifierModel
{
    protected IVerifierModel InnerModel { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public virtual string Name => InnerModel.Name;

    // Read through on every call: a backend may settle its method on first use (the OpenAI verifier falls back to chat log-probs).
    public virtual string Scoring => InnerModel.Scoring;

    public virtual Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default) =>
        InnerModel.ScoreAsync(question, drafts, cancellationToken);

    public virtual Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default) =>
        InnerModel.AnswerAsync(question, passages, cancellationToken);
}
