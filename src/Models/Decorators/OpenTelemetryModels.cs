using System.Diagnostics;
using System.Globalization;
using Orleans.SpecRag.Telemetry;

namespace Orleans.SpecRag.Models.Decorators;

/// <summary>
/// One <c>specrag.draft</c> span per draft (its passages, model, host and scores) and the draft metrics, among them
/// <c>specrag.drafts.inflight</c>, the signal drafter silos autoscale on.
/// </summary>
public sealed class OpenTelemetryDraftModel(IDraftModel inner, string? host) : DelegatingDraftModel(inner)
{
    private readonly KeyValuePair<string, object?> _hostTag = new("silo", host);

    public override async Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var activity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.draft");
        activity?.SetTag("specrag.draft.index", options?.Index);
        activity?.SetTag("specrag.draft.passage_ids", string.Join(',', passages.Select(p => p.Id)));
        activity?.SetTag("specrag.silo", host);
        activity?.SetTag("specrag.model", Name);

        var started = Stopwatch.GetTimestamp();
        SpecRagTelemetry.DraftsInFlight.Add(1, _hostTag);
        try
        {
            var output = await base.DraftAsync(question, passages, options, cancellationToken);
            activity?.SetTag("specrag.score.draft", output.DraftScore);
            activity?.SetTag("specrag.score.draft_rationale", output.RationaleLogProb);
            activity?.SetTag("specrag.score.draft_answer", output.AnswerLogProb);
            activity?.SetTag("specrag.tokens.generated", output.GeneratedTokens);
            SpecRagTelemetry.DraftDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            SpecRagTelemetry.Drafts.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
            return output;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            SpecRagTelemetry.Drafts.Add(1, new KeyValuePair<string, object?>("outcome", "error"));
            throw;
        }
        finally
        {
            SpecRagTelemetry.DraftsInFlight.Add(-1, _hostTag);
        }
    }
}

/// <summary>A <c>specrag.verify</c> span per scoring call (scores per draft, the method) and one <c>specrag.answer</c> per standard answer.</summary>
public sealed class OpenTelemetryVerifierModel(IVerifierModel inner, string? host) : DelegatingVerifierModel(inner)
{
    public override async Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default)
    {
        using var activity = Start("specrag.verify");
        activity?.SetTag("specrag.drafts", drafts.Count);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var scores = await base.ScoreAsync(question, drafts, cancellationToken);
            SpecRagTelemetry.VerifyDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            activity?.SetTag("specrag.scoring", Scoring);
            activity?.SetTag("specrag.scores.self_consistency", string.Join(',', scores.Select(s => s.SelfConsistency is { } sc ? Format(sc) : "null")));
            activity?.SetTag("specrag.scores.self_reflection", string.Join(',', scores.Select(s => Format(s.SelfReflection))));
            return scores;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    public override async Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        using var activity = Start("specrag.answer");
        try
        {
            return await base.AnswerAsync(question, passages, cancellationToken);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    private Activity? Start(string name)
    {
        var activity = SpecRagTelemetry.ActivitySource.StartActivity(name);
        activity?.SetTag("specrag.silo", host);
        activity?.SetTag("specrag.model", Name);
        return activity;
    }

    private static string Format(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
