namespace Orleans.SpecRag.Drafting;

/// <summary>
/// The bound on drafts running on this silo at once (<c>SpecRag:Drafter:MaxInFlight</c>). Past it a draft is
/// refused at once, so that overload becomes a 503 with Retry-After instead of an unbounded queue in front
/// of the GPU.
/// </summary>
public sealed class DraftAdmission(int maxInFlight)
{
    private int _inFlight;

    public int MaxInFlight { get; } = Math.Max(1, maxInFlight);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Takes a slot, or throws <see cref="DraftersBusyException"/>; dispose the result to give it back.</summary>
    public IDisposable Enter()
    {
        if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            throw new DraftersBusyException(MaxInFlight);
        }

        return new Slot(this);
    }

    private sealed class Slot(DraftAdmission owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref owner._inFlight);
            }
        }
    }
}
