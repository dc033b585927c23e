using System.Threading.Channels;

namespace Orleans.SpecRag.Models.Llama;

/// <summary>What <see cref="LlamaBatchScheduler{TWork}"/> needs to know about a request to place it in a batch.</summary>
internal interface IBatchSequence
{
    /// <summary>Sequence slot (the llama.cpp sequence id) assigned on admission; meaningless before that.</summary>
    int Slot { get; set; }

    /// <summary>Finished, failed or cancelled: it takes no more rows and its slot can be freed.</summary>
    bool IsCompleted { get; }

    /// <summary>Prompt tokens not yet submitted for decoding; 0 once the whole prompt has been in a batch.</summary>
    int PendingPromptTokens { get; }

    /// <summary>Prefilled and decoding one new token per step (a generation request past its prompt).</summary>
    bool IsGenerating { get; }
}

/// <summary>Rows one request gets in the next decode call.</summary>
/// <param name="Work">The request.</param>
/// <param name="Rows">Number of batch rows: the size of a prompt chunk, or 1 for a generated token.</param>
/// <param name="IsPrompt">Whether the rows are the next prompt chunk rather than the newest generated token.</param>
internal readonly record struct BatchSlice<TWork>(TWork Work, int Rows, bool IsPrompt);

/// <summary>
/// Decides which requests hold one of the <see cref="MaxSequences"/> sequence slots of a shared llama.cpp
/// context, and how many rows each of them gets in the next decode call.
/// </summary>
/// <remarks>
/// Only decisions live here, so they can be tested without a model: the owner performs every native call (the
/// decode itself, and clearing a slot's KV cells through the callback of <see cref="ReleaseFinished"/>) and
/// advances the requests' state from the slices it is given. Not thread-safe: it belongs to the one thread
/// that owns the context.
/// </remarks>
internal sealed class LlamaBatchScheduler<TWork>
    where TWork : class, IBatchSequence
{
    private readonly List<TWork> _active;
    private readonly Stack<int> _freeSlots;
    private readonly List<BatchSlice<TWork>> _step;

    public LlamaBatchScheduler(int maxSequences, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (batchSize < maxSequences)
        {
            // Every generating sequence needs one row per step; fewer rows would starve some of them forever.
            throw new ArgumentException($"batchSize ({batchSize}) must be at least maxSequences ({maxSequences}).", nameof(batchSize));
        }

        MaxSequences = maxSequences;
        BatchSize = batchSize;
        _active = new List<TWork>(maxSequences);
        _freeSlots = new Stack<int>(Enumerable.Range(0, maxSequences).Reverse());
        _step = new List<BatchSlice<TWork>>(maxSequences);
    }

    /// <summary>How many requests may hold a slot at once.</summary>
    public int MaxSequences { get; }

    /// <summary>Upper bound on rows per decode call, across all sequences.</summary>
    public int BatchSize { get; }

    /// <summary>Requests holding a slot, in admission order (which is arrival order).</summary>
    public IReadOnlyList<TWork> Active => _active;

    /// <summary>Slots no request holds.</summary>
    public int FreeSlots => _freeSlots.Count;

    /// <summary>
    /// Takes requests from <paramref name="queue"/> in arrival order while a slot is free, skipping those that
    /// completed (were cancelled) while queued.
    /// </summary>
    public void Admit(ChannelReader<TWork> queue)
    {
        while (_freeSlots.Count > 0 && queue.TryRead(out TWork? work))
        {
            if (work.IsCompleted)
            {
                // Cancelled while queued: it never touched the KV cache.
                continue;
            }

            work.Slot = _freeSlots.Pop();
            _active.Add(work);
        }
    }

    /// <summary>
    /// Frees the slot of every completed request. <paramref name="clearSlot"/> runs first, for each of them, and
    /// must leave the slot safe to hand to the next request; if it throws, that request keeps its slot and is
    /// offered again on the next call.
    /// </summary>
    public void ReleaseFinished(Action<TWork> clearSlot)
    {
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            TWork work = _active[i];
            if (!work.IsCompleted)
            {
                continue;
            }

            clearSlot(work);
            _freeSlots.Push(work.Slot);
            _active.RemoveAt(i);
        }
    }

    /// <summary>
    /// Plans one batch: first the single next token of every generating sequence (cheap, and keeps their
    /// per-token latency flat), then prompt chunks in arrival order with whatever room is left. The result is
    /// in batch-row order and is reused by the next call. Planning does not change the requests: the owner
    /// advances each one by the rows it gives it.
    /// </summary>
    public IReadOnlyList<BatchSlice<TWork>> PlanStep()
    {
        _step.Clear();
        int room = BatchSize;
        foreach (TWork work in _active)
        {
            if (work is { IsCompleted: false, IsGenerating: true })
            {
                _step.Add(new BatchSlice<TWork>(work, 1, IsPrompt: false));
                room--;
            }
        }

        foreach (TWork work in _active)
        {
            if (room == 0)
            {
                break;
            }

            if (!work.IsCompleted && work.PendingPromptTokens > 0)
            {
                int rows = Math.Min(room, work.PendingPromptTokens);
                _step.Add(new BatchSlice<TWork>(work, rows, IsPrompt: true));
                room -= rows;
            }
        }

        return _step;
    }
}
