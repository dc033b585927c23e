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
}
