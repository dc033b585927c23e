using System.Collections.Concurrent;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Decorators;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// Test-only decorators, resolved once per silo, that log which silo each model call ran on. A grain's
/// dependencies come from the container of the silo that hosts the activation, so the log shows where
/// every drafter and verifier activation lived.
/// </summary>
public sealed class ModelCallLog
{
    public ConcurrentQueue<(string Role, SiloAddress Silo)> Calls { get; } = new();
}

public sealed class SiloRecordingDraftModel(IDraftModel inner, ILocalSiloDetails silo, ModelCallLog log) : DelegatingDraftModel(inner)
{
    public override Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default)
    {
        log.Calls.Enqueue((SiloRoles.Drafter, silo.SiloAddress));
        return base.DraftAsync(question, passages, options, cancellationToken);
    }
}

public sealed class SiloRecordingVerifierModel(IVerifierModel inner, ILocalSiloDetails silo, ModelCallLog log) : DelegatingVerifierModel(inner)
{
    public override Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default)
    {
        log.Calls.Enqueue((SiloRoles.Verifier, silo.SiloAddress));
        return base.ScoreAsync(question, drafts, cancellationToken);
    }

    public override Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        log.Calls.Enqueue((SiloRoles.Verifier, silo.SiloAddress));
        return base.AnswerAsync(question, passages, cancellationToken);
    }
}
