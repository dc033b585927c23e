using Orleans.SpecRag.Querying;

namespace Orleans.SpecRag.Drafting;

/// <summary>What came of a query's drafts: those that arrived (by index), those that failed, those cut by the deadline.</summary>
public sealed record DraftRoundResult(
    IReadOnlyList<Draft> Drafts,
    IReadOnlyList<DraftFailure> Failures,
    IReadOnlyList<DraftFailure> Missing,
    IReadOnlyList<int> Hedged);

/// <summary>
/// Runs the m drafts of one query in parallel until they are all back or the drafting cut-off comes. With
/// hedging on, once a quorum of drafts is back a straggler gets a backup copy on another drafter silo and
/// the first copy to finish wins. At the cut-off the drafts still running are cancelled and reported missing.
/// </summary>
public sealed class DraftRound(DraftDispatcher dispatcher, HedgingOptions hedging, ILogger logger)
{
    public const string BusyError = "Every drafter silo was at its bound of drafts in flight.";
    public const string DeadlineError = "Not finished by the deadline; cancelled.";

    public async Task<DraftRoundResult> RunAsync(
        IReadOnlyList<DraftTask> tasks, DateTimeOffset cutoff, Action<Draft> onDraft, Action<DraftFailure> onFailure, CancellationToken cancellationToken)
    {
        // Not disposed here: it is cancelled after this method returns, when the round is over.
        var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Start at a random drafter so that concurrent queries do not all begin on the same silo.
        var offset = Random.Shared.Next(1024);
        var running = new Dictionary<Task<Draft>, int>();
        tasks = tasks.Select(t => t with { Deadline = cutoff }).ToArray();
        foreach (var task in tasks)
        {
            running[Dispatch(task, offset + task.Index, cutoff, abandon.Token)] = task.Index;
        }

        var results = new Draft?[tasks.Count];
        var failures = new List<DraftFailure>();
        var hedged = new List<int>();
        var latencies = new List<double>();
        var quorum = Math.Max(1, (int)Math.Ceiling(tasks.Count * hedging.Quorum));
        DateTimeOffset? quorumAt = null;

        bool Settled(int index) => results[index] is not null || failures.Any(f => f.Index == index);
        while (running.Count > 0 && !Enumerable.Range(0, tasks.Count).All(Settled))
        {
            var now = DateTimeOffset.UtcNow;
            if (now >= cutoff)
            {
                break;
            }

            var wait = cutoff - now;
            if (hedging.Enabled && hedged.Count == 0 && quorumAt is { } reached && tasks.Count > 1)
            {
                var median = latencies.Order().ElementAt(latencies.Count / 2);
                var hedgeAt = reached + TimeSpan.FromMilliseconds(Math.Max(hedging.MinDelayMs, hedging.DelayFactor * median));
                if (hedgeAt <= now)
                {
                    foreach (var late in running.Values.Distinct().Where(i => results[i] is null).ToArray())
                    {
                        // The next slot is the next drafter silo in the rotation: the backup runs elsewhere.
                        running[Dispatch(tasks[late], offset + late + 1, cutoff, abandon.Token)] = late;
                        hedged.Add(late);
                        logger.LogInformation("Draft {Index} is late; a backup copy goes to another drafter silo", late);
                    }

                    continue;
                }

                wait = hedgeAt - now < wait ? hedgeAt - now : wait;
            }

            using var timer = CancellationTokenSource.CreateLinkedTokenSource(abandon.Token);
            var tick = Task.Delay(wait, timer.Token);
            var finished = await Task.WhenAny(running.Keys.Cast<Task>().Append(tick));
            timer.Cancel();
            if (finished == tick)
            {
                continue;
            }

            var done = (Task<Draft>)finished;
            var index = running[done];
            running.Remove(done);
            if (results[index] is not null)
            {
                continue; // The other copy of this draft won already.
            }

            if (done.IsCompletedSuccessfully)
            {
                results[index] = done.Result;
                latencies.Add(done.Result.LatencyMs);
                onDraft(done.Result);
                if (quorumAt is null && latencies.Count >= quorum)
                {
                    quorumAt = DateTimeOffset.UtcNow;
                }
            }
            else if (IsCutOff(done, cutoff))
            {
                continue; // Timed out at the cut-off itself: reported as missing below, not as failed.
            }
            else if (!running.ContainsValue(index))
            {
                var failure = new DraftFailure(index, tasks[index].Passages.Select(p => p.Id).ToArray(), Describe(done.Exception));
                failures.Add(failure);
                onFailure(failure);
            }
        }

        // Copies still running lost to a backup or missed the cut-off: cancel them, so the drafters stop their
        // model calls. Cancel off this grain's turn: the callbacks send messages and must not wait on it.
        _ = Task.Run(abandon.Cancel, CancellationToken.None);
        var failed = failures.Select(f => f.Index).ToHashSet();
        var missing = Enumerable.Range(0, tasks.Count)
            .Where(i => results[i] is null && !failed.Contains(i))
            .Select(i => new DraftFailure(i, tasks[i].Passages.Select(p => p.Id).ToArray(), DeadlineError))
            .ToArray();
        return new DraftRoundResult(results.OfType<Draft>().ToArray(), failures, missing, hedged);
    }

    // Each draft is sent from the thread pool, not from the query grain's turn. A mitigation, not a root-cause fix: while a
    // silo was leaving the cluster, the network fault suite saw a query grain's turn held synchronously for 25.8–26.9 s
    // (Orleans' long-turn warning) and its drafts go out only after the cut-off, every draft missing, a 504. The holding
    // call was not identified. Sent from the pool, a send that is held up keeps the grain's turn free: the cut-off and the
    // drafts already back still make a partial answer. It costs nothing measurable (drafting p50 322 vs 317 ms, PopQA).
    private Task<Draft> Dispatch(DraftTask task, int slot, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        Task.Run(() => dispatcher.DraftAsync(task, slot, cutoff, cancellationToken), CancellationToken.None);

    // A draft that fails or is cancelled only as the cut-off comes (its wait timed out, its drafter stopped the model
    // call and answered with a cancellation, the runtime rejected the cancelled call) missed the deadline; it is
    // reported missing, not failed. A cancelled task carries no exception, so both states are looked at.
    private static bool IsCutOff(Task done, DateTimeOffset cutoff) =>
        (done.IsFaulted || done.IsCanceled) && DateTimeOffset.UtcNow >= cutoff - TimeSpan.FromMilliseconds(100);

    private static string Describe(Exception? exception) => exception?.GetBaseException() switch
    {
        null => "The draft did not complete.",
        DraftersBusyException => BusyError,
        TimeoutException => "The drafter did not answer in time.",
        var e => $"{e.GetType().Name}: {e.Message}",
    };
}
