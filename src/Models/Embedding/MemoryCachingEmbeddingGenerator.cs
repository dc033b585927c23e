using Microsoft.Extensions.AI;

namespace Orleans.SpecRag.Models.Embedding;

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
        // A generator that names no model shares nothing: a key of its own, so another such generator's vectors are never taken.
        _model = inner.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? $"unnamed model {Guid.NewGuid():N}";
    }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToArray();
        var priority = options.Priority;
        var result = new Embedding<float>[texts.Count];
        List<(int Index, Task<Embedding<float>> Pending)>? waits = null;
        Dictionary<string, (TaskCompletionSource<Embedding<float>> Result, EmbeddingCache.InFlight? Published)>? owned = null;
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i];
            if (_cache.TryGet(_model, text, out var hit) && hit is not null)
            {
                result[i] = hit;
                continue;
            }

            if (owned?.TryGetValue(text, out var mine) == true)
            {
                (waits ??= []).Add((i, mine.Result.Task));
                continue;
            }

            // Single flight: a text another call is embedding right now is awaited, not embedded again. Without it, the
            // first burst of concurrent queries on a cold cache embedded the same sentences once per query: the soak
            // test's first 40 s ran at a few queries a second, and queries queued behind them missed their deadline.
            // Except that a query embeds a text itself rather than wait for an ingestion call to reach it: that call's
            // batches each give way to every query, so it may be far from done.
            var claim = new TaskCompletionSource<Embedding<float>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var entry = new EmbeddingCache.InFlight(claim.Task, priority);
            var pending = _cache.Claim(_model, text, entry);
            if (pending == entry || (priority == EmbeddingPriority.Interactive && pending.Priority == EmbeddingPriority.Bulk))
            {
                (owned ??= new(StringComparer.Ordinal))[text] = (claim, pending == entry ? entry : null);
                (waits ??= []).Add((i, claim.Task));
            }
            else
            {
                (waits ??= []).Add((i, pending.Embedding));
            }
        }

        if (owned is not null)
        {
            var mine = owned.Keys.ToArray();
            try
            {
                var generated = await base.GenerateAsync(mine, options, cancellationToken);
                for (var j = 0; j < mine.Length; j++)
                {
                    _cache.Set(_model, mine[j], generated[j]);
                    owned[mine[j]].Result.TrySetResult(generated[j]);
                }
            }
            catch (Exception ex)
            {
                foreach (var (claim, _) in owned.Values)
                {
                    claim.TrySetException(ex);
                }

                throw;
            }
            finally
            {
                foreach (var (text, (_, published)) in owned)
                {
                    if (published is not null)
                    {
                        _cache.Release(_model, text, published);
                    }
                }
            }
        }

        List<int>? orphaned = null;
        foreach (var (index, pending) in waits ?? [])
        {
            try
            {
                result[index] = await pending.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested && !pending.IsCompletedSuccessfully)
            {
                // The call that was embedding this text failed or was cancelled by its own caller: embed it here, with the
                // other texts that happened to, in one call.
                (orphaned ??= []).Add(index);
            }
        }

        if (orphaned is not null)
        {
            var generated = await base.GenerateAsync(orphaned.Select(i => texts[i]).ToArray(), options, cancellationToken);
            for (var j = 0; j < orphaned.Count; j++)
            {
                result[orphaned[j]] = generated[j];
                _cache.Set(_model, texts[orphaned[j]], generated[j]);
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
