using System.Collections.Concurrent;
using Orleans.SpecRag.Models;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// A test-only drafter that stalls on purpose: a draft that <see cref="StallWhen"/> picks waits until it is
/// cancelled (as a hung GPU would, minus the cancellation), every other draft answers at once.
/// </summary>
public sealed class StallingDraftModel
{
    public Func<SiloAddress, IReadOnlyList<Passage>, bool> StallWhen { get; set; } = (_, _) => false;

    /// <summary>Drafts that stalled and were then cancelled by the query (the deadline or a winning backup).</summary>
    public ConcurrentQueue<string> Cancelled { get; } = new();

    /// <summary>Drafts stalled right now; once a query is over, none of its drafts may still hold a drafter.</summary>
    public int Stalling => Volatile.Read(ref _stalling);

    private int _stalling;

    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Ends every stall, so that a test cluster can shut down even if a cancellation was lost.</summary>
    public void ReleaseAll() => _released.TrySetResult();

    public IDraftModel For(SiloAddress silo) => new OnSilo(this, silo);

    private sealed class OnSilo(StallingDraftModel owner, SiloAddress silo) : IDraftModel
    {
        public string Name => "test/stalling";

        public async Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (owner.StallWhen(silo, passages))
            {
                Interlocked.Increment(ref owner._stalling);
                try
                {
                    await owner._released.Task.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    owner.Cancelled.Enqueue(string.Join(',', passages.Select(p => p.Id)));
                    throw;
                }
                finally
                {
                    Interlocked.Decrement(ref owner._stalling);
                }
            }

            return new DraftOutput(passages[0].Text, passages[0].Text, -0.1, -0.1);
        }
    }
}
