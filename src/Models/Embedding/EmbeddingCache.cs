using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Memory;

namespace Orleans.SpecRag.Models.Embedding;

/// <summary>
/// Embeddings already computed, and those being computed right now, by embedding model and text. One per host; hosts
/// that share a model in one process (a test's gateways) may share one, since a key names its model.
/// </summary>
public sealed class EmbeddingCache : IDisposable
{
    // Size is counted in vectors; 20k × 384 floats ≈ 30 MB.
    public const long CapacityInVectors = 20_000;

    private static readonly MemoryCacheEntryOptions Entry = new() { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) };

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CapacityInVectors });
    private readonly ConcurrentDictionary<(string Model, string Text), InFlight> _inFlight = new();

    /// <summary>A text some call is embedding now, and at which priority: a query does not wait on an ingestion batch.</summary>
    public sealed record InFlight(Task<Embedding<float>> Embedding, EmbeddingPriority Priority);

    public bool TryGet(string model, string text, out Embedding<float>? embedding) => _cache.TryGetValue((model, text), out embedding);

    public void Set(string model, string text, Embedding<float> embedding) => _cache.Set((model, text), embedding, Entry);

    /// <summary>The call already embedding <paramref name="text"/>, or <paramref name="claim"/> registered as that call.</summary>
    public InFlight Claim(string model, string text, InFlight claim) => _inFlight.GetOrAdd((model, text), claim);

    /// <summary>Ends <paramref name="claim"/>, whatever its outcome; a later claim of the same text is not touched.</summary>
    public void Release(string model, string text, InFlight claim) =>
        _inFlight.TryRemove(new KeyValuePair<(string, string), InFlight>((model, text), claim));

    public void Dispose() => _cache.Dispose();
}
