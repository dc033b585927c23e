using LLama.Common;

namespace Orleans.SpecRag.Models.Llama;

/// <summary>Settings for a <see cref="LlamaRuntime"/>; one model per process, so these are fixed for its lifetime.</summary>
public sealed record LlamaRuntimeOptions
{
    /// <summary>Path of the GGUF file to load.</summary>
    public required string ModelPath { get; init; }

    /// <summary>
    /// Token budget of a single sequence (prompt plus generated tokens). The native context is sized
    /// <see cref="MaxSequences"/> × this value so that every admitted request is guaranteed its full window
    /// and can never starve a neighbour of KV-cache cells mid-generation.
    /// </summary>
    public int ContextSize { get; init; } = 4096;

    /// <summary>CPU threads for llama.cpp; 0 keeps llama.cpp's own choice, which is usually right for a dedicated host.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// How many requests may share one decode call. Higher values raise throughput under load but multiply
    /// the KV-cache memory (see <see cref="ContextSize"/>).
    /// </summary>
    public int MaxSequences { get; init; } = 8;

    /// <summary>
    /// Upper bound on tokens per decode call, across all sequences. Long prompts are split into chunks of at
    /// most this size so one large prompt cannot exceed llama.cpp's n_batch and fail the whole step.
    /// </summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>Tokens of the native context: every sequence's full window.</summary>
    internal long TotalContextSize => (long)ContextSize * MaxSequences;

    /// <summary>Throws when these settings cannot make a working runtime.</summary>
    internal void Validate(string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ModelPath, paramName);
        ArgumentOutOfRangeException.ThrowIfLessThan(ContextSize, 1, paramName);
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, paramName);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSequences, 1, paramName);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, paramName);
        if (BatchSize < MaxSequences)
        {
            // Every generating sequence needs one row per step; fewer rows would starve some of them forever.
            throw new ArgumentException(
                $"BatchSize ({BatchSize}) must be at least MaxSequences ({MaxSequences}).", paramName);
        }

        if (TotalContextSize > int.MaxValue)
        {
            throw new ArgumentException("ContextSize × MaxSequences is too large for llama.cpp.", paramName);
        }
    }

    /// <summary>llama.cpp parameters for these settings (after <see cref="Validate"/>).</summary>
    internal ModelParams ToModelParams()
    {
        var parameters = new ModelParams(ModelPath)
        {
            ContextSize = (uint)TotalContextSize,
            BatchSize = (uint)BatchSize,
            SeqMax = (uint)MaxSequences,
            // Separate per-sequence KV streams: each sequence attends only over its own cells (cheaper than a
            // unified cache when prompts do not share a prefix) and gets exactly ContextSize cells.
            KVUnified = false,
        };
        if (Threads > 0)
        {
            // Prompt chunks and multi-sequence steps run on the "batch" pool, so both must be capped.
            parameters.Threads = Threads;
            parameters.BatchThreads = Threads;
        }

        return parameters;
    }
}
