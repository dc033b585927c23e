using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using Orleans.Concurrency;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Hosting;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Querying;

namespace Orleans.SpecRag.Drafting;

/// <summary>
/// Writes one draft with the silo's specialist model. Stateless and reentrant: one activation per silo
/// serves every concurrent draft, and the model adapter decides how many run at once on the hardware.
/// Telemetry and logging are the model's decorators (<see cref="ServedModels"/>), not the grain's.
/// </summary>
// One reentrant activation per silo serves every draft there, so a cancellation reaches the activation that
// runs the draft (with several local workers it could land on another and be lost).
[StatelessWorker(maxLocalWorkers: 1), Reentrant, DrafterSilosOnly]
public sealed class DrafterGrain(
    [FromKeyedServices(ServedModels.Key)] IDraftModel model, DraftAdmission admission, ILocalSiloDetails silo) : Grain, IDrafterGrain
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

        var started = Stopwatch.GetTimestamp();
        var output = await model.DraftAsync(task.Question, task.Passages, new DraftOptions { Index = task.Index }, stop.Token);
        return SpeculativePipeline.ToDraft(task, output, Stopwatch.GetElapsedTime(started).TotalMilliseconds, silo.SiloAddress.ToString(), model.Name);
    }
}
