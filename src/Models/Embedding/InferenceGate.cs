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
/// A fixed number of inference slots, handed out in arrival order, with every waiting interactive call served before
/// any waiting bulk one. Bulk work may use every slot while no query waits, so ingestion loses no throughput, but a
/// query that arrives behind a burst of ingestion batches waits for the first slot to free, not for the whole burst.
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
        using (cancellationToken.Register(static w => ((TaskCompletionSource)w!).TrySetCanceled(), waiter))
        {
            await waiter.Task.ConfigureAwait(false);
        }

        return new Slot(this);
    }

    private void Release()
    {
        lock (_lock)
        {
            while (_interactive.TryDequeue(out var next) || _bulk.TryDequeue(out next))
            {
                if (next.TrySetResult())
                {
                    return; // the slot passes straight to the next waiter
                }
            }

            _free++;
        }
    }

    /// <summary>One slot, held until disposed.</summary>
    public sealed class Slot : IDisposable
    {
        private InferenceGate? _gate;

        internal Slot(InferenceGate gate) => _gate = gate;

        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release();
    }
}
