using System.Diagnostics;
using Orleans.Concurrency;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Telemetry;

namespace Orleans.SpecRag.Verification;

/// <summary>Runs the generalist model: scores drafts (never seeing their passages) or, in standard mode, answers.</summary>
[StatelessWorker, Reentrant, VerifierSilosOnly]
public sealed class VerifierGrain(IVerifierModel model, ILocalSiloDetails silo) : Grain, IVerifierGrain
{
    public async Task<VerificationResult> VerifyAsync(string question, IReadOnlyList<Draft> drafts)
    {
        using var activity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.verify");
        activity?.SetTag("specrag.silo", silo.SiloAddress.ToString());
        activity?.SetTag("specrag.model", model.Name);
        activity?.SetTag("specrag.drafts", drafts.Count);

        var started = Stopwatch.GetTimestamp();
        var outputs = drafts.Select(d => new DraftOutput(d.Answer, d.Rationale, d.RationaleLogProb ?? d.DraftScore, d.AnswerLogProb ?? 0) { Parsed = d.Parsed }).ToArray();
        var scores = await model.ScoreAsync(question, outputs);
        var combined = drafts.Select((d, i) => DraftSelector.Combine(d.DraftScore, scores[i].SelfConsistency, scores[i].SelfReflection)
            with { DraftRationale = d.RationaleLogProb, DraftAnswer = d.AnswerLogProb }).ToArray();
        SpecRagTelemetry.VerifyDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        activity?.SetTag("specrag.scoring", model.Scoring);
        activity?.SetTag("specrag.scores.total", string.Join(',', combined.Select(s => s.Total.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))));
        return new VerificationResult(combined, silo.SiloAddress.ToString(), model.Name, model.Scoring);
    }

    public async Task<StandardAnswer> AnswerAsync(string question, IReadOnlyList<Passage> passages)
    {
        using var activity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.answer");
        activity?.SetTag("specrag.silo", silo.SiloAddress.ToString());
        activity?.SetTag("specrag.model", model.Name);

        var output = await model.AnswerAsync(question, passages);
        return new StandardAnswer(output.Answer, output.Rationale, output.EvidenceIds ?? passages.Select(p => p.Id).ToArray(),
            silo.SiloAddress.ToString(), model.Name);
    }
}
