using System.Diagnostics;
using Orleans.Concurrency;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Telemetry;

namespace Orleans.SpecRag.Drafting;

/// <summary>
/// Writes one draft with the silo's specialist model. Stateless and reentrant: one activation per silo
/// serves every concurrent draft, and the model adapter decides how many run at once on the hardware.
/// </summary>
// One reentrant activation per silo serves every draft there, so a cancellation reaches the activation that
// runs the draft (with several local workers it could land on another and be lost).
[StatelessWorker(maxLocalWorkers: 1), Reentrant, DrafterSilosOnly]
public sealed class DrafterGrain(IDraftModel model, DraftAdmission admission, ILocalSiloDetails silo) : Grain, IDrafterGrain
{
    public async Task<Draft> DraftAsync(DraftTask task, CancellationToken cancellationToken = default)
    {
        using var slot = admission.Enter();

        // The query's cut-off bounds the model call even if the caller's cancellation never arrives.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (task.Deadline is { } deadline)
        {
            stop.CancelAfter(deadline - DateTimeOffset.UtcNow is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        using var activity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.draft");
        activity?.SetTag("specrag.draft.index", task.Index);
        activity?.SetTag("specrag.draft.passage_ids", string.Join(',', task.Passages.Select(p => p.Id)));
        activity?.SetTag("specrag.silo", silo.SiloAddress.ToString());
        activity?.SetTag("specrag.model", model.Name);

        var started = Stopwatch.GetTimestamp();
        var siloTag = new KeyValuePair<string, object?>("silo", silo.SiloAddress.ToString());
        SpecRagTelemetry.DraftsInFlight.Add(1, siloTag);
        try
        {
            var output = await model.DraftAsync(task.Question, task.Passages, stop.Token);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            activity?.SetTag("specrag.score.draft", output.DraftScore);
            activity?.SetTag("specrag.score.draft_rationale", output.RationaleLogProb);
            activity?.SetTag("specrag.score.draft_answer", output.AnswerLogProb);
            activity?.SetTag("specrag.tokens.generated", output.GeneratedTokens);
            SpecRagTelemetry.DraftDuration.Record(latency);
            SpecRagTelemetry.Drafts.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
            return new Draft
            {
                Index = task.Index,
                Answer = output.Answer,
                Rationale = output.Rationale,
                DocumentIds = task.Passages.Select(p => p.Id).ToArray(),
                DraftScore = Math.Min(0, output.DraftScore),
                RationaleLogProb = output.RationaleLogProb,
                AnswerLogProb = output.AnswerLogProb,
                Parsed = output.Parsed,
                LatencyMs = latency,
                Silo = silo.SiloAddress.ToString(),
                Model = model.Name,
            };
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            SpecRagTelemetry.Drafts.Add(1, new KeyValuePair<string, object?>("outcome", "error"));
            throw;
        }
        finally
        {
            SpecRagTelemetry.DraftsInFlight.Add(-1, siloTag);
        }
    }
}
