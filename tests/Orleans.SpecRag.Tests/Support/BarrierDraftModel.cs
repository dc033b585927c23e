using System.Collections.Concurrent;
using Orleans.SpecRag.Models;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// A test-only drafter that proves drafts run concurrently without timing anything: each draft waits until
/// <see cref="Participants"/> drafts have started. Run one at a time, the first would never see the
/// others arrive and would fail when <see cref="Timeout"/> runs out.
/// </summary>
public sealed class BarrierDraftModel : IDraftModel
{
    private readonly object _gate = new();
    private TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;
    private int _running;

    public int Participants { get; private set; } = 1;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The most drafts that were inside <see cref="DraftAsync"/> at the same moment.</summary>
    public int MaxConcurrent { get; private set; }

    public ConcurrentBag<string> Questions { get; } = [];

    /// <summary>Drafts whose passages match fail at once (they do not count as participants).</summary>
    public Func<IReadOnlyList<Passage>, bool>? FailWhen { get; set; }

    public string Name => "test/barrier";

    public void Reset(int participants, Func<IReadOnlyList<Passage>, bool>? failWhen = null)
    {
        lock (_gate)
        {
            FailWhen = failWhen;
            Participants = participants;
            _arrived = 0;
            MaxConcurrent = 0;
            _allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Questions.Clear();
        }
    }

    public async Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (FailWhen?.Invoke(passages) == true)
        {
            throw new InvalidOperationException($"Test drafter refuses passages {string.Join(',', passages.Select(p => p.Id))}.");
        }

        Task barrier;
        lock (_gate)
        {
            _running++;
            MaxConcurrent = Math.Max(MaxConcurrent, _running);
            if (++_arrived >= Participants)
            {
                _allArrived.TrySetResult();
            }

            barrier = _allArrived.Task;
        }

        try
        {
            Questions.Add(question);
            await barrier.WaitAsync(Timeout, cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _running--;
            }
        }

        // A real, input-dependent draft: the first sentence of the first passage, the second passage as rationale.
        var answer = passages[0].Text.Split('.')[0].Trim();
        var rationale = string.Join(' ', passages.Skip(1).Select(p => p.Text));
        return new DraftOutput(answer, rationale.Length > 0 ? rationale : passages[0].Text, -0.05 * passages.Count, -0.05 * passages.Count);
    }
}
