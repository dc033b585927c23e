using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Memory;

namespace Orleans.SpecRag.Models.Embedding;

/// <summary>
/// Embeddings already computed, and those being computed right now, by text and embedding model. One per host; hosts
/// that share a model in one process (a bench's silos, a test's gateways) may share one, since a key names its model.
/// </summary>
public sealed class EmbeddingCache : IDisposable
{
    // Size is counted in vectors; 20k × 384 floats ≈ 30 MB.
    public const long CapacityInVectors = 20_000;

    private static readonly MemoryCacheEntryOptions Entry = new() { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) };

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CapacityInVectors });

    internal ConcurrentDictionary<(string Model, string Text), Task<Embedding<float>>> InFlight { get; } = new();

    internal bool TryGet((string Model, string Text) key, out Embedding<float>? embedding) => _cache.TryGetValue(key, out embedding);

    internal void Set((string Model, string Text) key, Embedding<float> embedding) => _cache.Set(key, embedding, Entry);

    public void Dispose() => _cache.Dispose();
}

/// <summary>
/// A caching decorator over an <see cref="EmbeddingCache"/>: drafts of one query share the question and often the same
/// passages' sentences, so the extractive models ask for the same texts again and again. Each text is looked up on its
/// own, a text that another call is embedding is awaited, and only the remaining misses go to the model, in one batch.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.AI's <c>CachingEmbeddingGenerator</c> looks texts up the same way but embeds a text again for
/// every concurrent caller that misses it; on a cold cache under a burst of queries that multiplied the model's work.
/// </remarks>
public sealed class MemoryCachingEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingCache _cache;
    private readonly bool _ownsCache;
    private readonly string _model;

    /// <summary>Caches in <paramref name="cache"/>, which outlives this generator (whoever created it disposes it).</summary>
    public MemoryCachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, EmbeddingCache cache)
        : this(inner, cache, ownsCache: false)
    {
    }

    /// <summary>A cache of its own, bounded to <see cref="EmbeddingCache.CapacityInVectors"/>.</summary>
    public MemoryCachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner)
        : this(inner, new EmbeddingCache(), ownsCache: true)
    {
    }

    private MemoryCachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, EmbeddingCache cache, bool ownsCache)
        : base(inner)
    {
        _cache = cache;
        _ownsCache = ownsCache;
        _model = inner.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? inner.GetType().FullName!;
    }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToArray();
        var result = new Embedding<float>[texts.Count];
        List<(int Index, Task<Embedding<float>> Pending)>? waits = null;
        Dictionary<string, TaskCompletionSource<Embedding<float>>>? owned = null;
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i];
            if (_cache.TryGet((_model, text), out var hit) && hit is not null)
            {
                result[i] = hit;
                continue;
            }

            // Single flight: a text another call is embedding right now is awaited, not embedded again. Without it, the
            // first burst of concurrent queries on a cold cache embedded the same sentences once per query: the soak
            // test's first 40 s ran at a few queries a second, and queries queued behind them missed their deadline.
            if (owned?.TryGetValue(text, out var mine) == true)
            {
                (waits ??= []).Add((i, mine.Task));
                continue;
            }

            var claim = new TaskCompletionSource<Embedding<float>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var pending = _cache.InFlight.GetOrAdd((_model, text), claim.Task);
            if (pending == claim.Task)
            {
                (owned ??= new(StringComparer.Ordinal))[text] = claim;
            }

            (waits ??= []).Add((i, pending));
        }

        if (owned is not null)
        {
            var mine = owned.Keys.ToArray();
            try
            {
                var generated = await base.GenerateAsync(mine, options, cancellationToken);
                for (var j = 0; j < mine.Length; j++)
                {
                    _cache.Set((_model, mine[j]), generated[j]);
                    owned[mine[j]].TrySetResult(generated[j]);
                }
            }
            catch (Exception ex)
            {
                foreach (var claim in owned.Values)
                {
                    claim.TrySetException(ex);
                }

                throw;
            }
            finally
            {
                foreach (var (text, claim) in owned)
                {
                    _cache.InFlight.TryRemove(new KeyValuePair<(string, string), Task<Embedding<float>>>((_model, text), claim.Task));
                }
            }
        }

        foreach (var (index, pending) in waits ?? [])
        {
            try
            {
                result[index] = await pending.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested && !pending.IsCompletedSuccessfully)
            {
                // The call that was embedding this text failed or was cancelled by its own caller: embed it here.
                result[index] = (await base.GenerateAsync([texts[index]], options, cancellationToken))[0];
            }
        }

        return new GeneratedEmbeddings<Embedding<float>>(result);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsCache)
        {
            _cache.Dispose();
        }

        base.Dispose(disposing);
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
