namespace Orleans.SpecRag.Models.Embedding;

/// <summary>Whose texts an embedding call carries: a query waiting for its answer, or a bulk ingestion.</summary>
public enum EmbeddingPriority
{
    /// <summary>A query's question, sentences or options: someone is waiting on it within a deadline.</summary>
    Interactive,

    /// <summary>Documents being ingested: throughput matters, a second's wait does not.</summary>
    Bulk,
}

/// <summary>
/// A fixed number of inference slots, handed out in arrival order, with waiting interactive calls served before waiting
/// bulk ones. Bulk work may use every slot while no query waits, so ingestion loses no throughput, but a query that
/// arrives behind a burst of ingestion batches waits for the first slot to free, not for the whole burst. So that a
/// steady stream of queries cannot starve an ingestion until it times out, every <see cref="BulkShare"/>-th slot freed
/// while both kinds wait goes to bulk work.
/// </summary>
/// <remarks>
/// A plain <see cref="SemaphoreSlim"/> made no such promise: while a gateway indexed its corpus, a query's few sentences
/// queued behind hundreds of passages and its drafts missed a 30 s deadline on a busy two-core machine.
/// </remarks>
public sealed class InferenceGate
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _interactive = new();
    private readonly Queue<TaskCompletionSource> _bulk = new();
    private int _free;
    private int _interactiveInARow;

    /// <summary>While both kinds wait, one slot in this many goes to bulk work.</summary>
    public const int BulkShare = 8;

    public InferenceGate(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _free = slots;
    }

    /// <summary>Waits for a slot; dispose the result to give it back.</summary>
    public async ValueTask<Slot> EnterAsync(EmbeddingPriority priority, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_free > 0)
            {
                _free--;
                return new Slot(this);
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (priority == EmbeddingPriority.Interactive ? _interactive : _bulk).Enqueue(waiter);
        }

        // A cancelled waiter stays queued, completed: Release skips it, so no slot is ever handed to a caller that left.
        // (Awaiting the waiter itself, not WaitAsync(token): a slot granted just before the cancellation is still taken,
        // and given back by the caller's using.)
        using (cancellationToken.Register(static (w, token) => ((TaskCompletionSource)w!).TrySetCanceled(token), waiter))
        {
            await waiter.Task.ConfigureAwait(false);
        }

        return new Slot(this);
    }

    private void Release()
    {
        lock (_lock)
        {
            while (Next() is { } next)
            {
                if (next.TrySetResult())
                {
                    return; // the slot passes straight to the next waiter
                }
            }

            _free++;
        }
    }

    private TaskCompletionSource? Next()
    {
        var bulkWaits = _bulk.Count > 0;
        if (_interactive.Count > 0 && !(bulkWaits && _interactiveInARow >= BulkShare - 1))
        {
            _interactiveInARow = bulkWaits ? _interactiveInARow + 1 : 0;
            return _interactive.Dequeue();
        }

        _interactiveInARow = 0;
        return bulkWaits ? _bulk.Dequeue() : null;
    }

    /// <summary>One slot, held until disposed.</summary>
    public sealed class Slot : IDisposable
    {
        private InferenceGate? _gate;

        internal Slot(InferenceGate gate) => _gate = gate;

        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release();
    }
}
