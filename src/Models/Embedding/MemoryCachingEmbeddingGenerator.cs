using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Memory;

namespace Orleans.SpecRag.Models.Embedding;

/// <summary>
/// Microsoft.Extensions.AI's caching decorator over an in-process <see cref="IMemoryCache"/>: drafts of one query
/// share the question and often the same passages' sentences, so the extractive models ask for the same texts again
/// and again. The library looks each text up on its own and sends only the misses to the model, in one batch; the
/// distributed-cache variant would serialise every vector, which costs more here than it saves.
/// </summary>
public sealed class MemoryCachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, IMemoryCache cache)
    : CachingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    // Size is counted in vectors; 20k × 384 floats ≈ 30 MB.
    public const long CapacityInVectors = 20_000;

    private static readonly MemoryCacheEntryOptions Entry = new() { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) };

    /// <summary>A cache of its own, bounded to <see cref="CapacityInVectors"/>.</summary>
    public MemoryCachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner)
        : this(inner, new MemoryCache(new MemoryCacheOptions { SizeLimit = CapacityInVectors }))
    {
    }

    // The text itself is the key (this cache holds one model's vectors); other inputs get the library's hash.
    protected override string GetCacheKey(params ReadOnlySpan<object?> values) =>
        values is [string] or [string, null] ? (string)values[0]! : AIJsonUtilities.HashDataToString(values);

    protected override Task<Embedding<float>?> ReadCacheAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(cache.TryGetValue(key, out Embedding<float>? hit) ? hit : null);

    protected override Task WriteCacheAsync(string key, Embedding<float> value, CancellationToken cancellationToken)
    {
        cache.Set(key, value, Entry);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Hands calls to a generator this chain does not own. Decorators dispose their inner generator with themselves; the
/// model under them belongs to whoever registered it (the container, or a test or bench that shares one MiniLM between
/// several hosts), so disposing one host's chain must not unload it for the others.
/// </summary>
public sealed class BorrowedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    protected override void Dispose(bool disposing)
    {
    }
}
