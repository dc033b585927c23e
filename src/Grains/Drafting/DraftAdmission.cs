using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Orleans.SpecRag.Drafting;

/// <summary>
/// <c>SpecRag:Drafter:MaxInFlight</c>: drafts one drafter silo runs at once, across all queries. Not to be confused with
/// <c>SpecRag:Drafter:MaxConcurrency</c> (model calls in flight to one OpenAI-compatible endpoint) or
/// <c>SpecRag:Drafter:MaxSequences</c> (sequences sharing one llama.cpp decode); see docs/operations.md.
/// </summary>
public sealed class DraftAdmissionOptions
{
    public const string Section = "SpecRag:Drafter";

    [Range(1, 1_000_000, ErrorMessage = "SpecRag:Drafter:MaxInFlight must be between {1} and {2}.")]
    public int MaxInFlight { get; set; } = 256;
}

/// <summary>
/// The bound on drafts running on this silo at once (<c>SpecRag:Drafter:MaxInFlight</c>). Past it a draft is
/// refused at once, so that overload becomes a 503 with Retry-After instead of an unbounded queue in front
/// of the GPU.
/// </summary>
public sealed class DraftAdmission(IOptions<DraftAdmissionOptions> options)
{
    private int _inFlight;

    public int MaxInFlight { get; } = options.Value.MaxInFlight;

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
