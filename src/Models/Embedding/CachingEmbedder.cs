using Microsoft.Extensions.Caching.Memory;

namespace Orleans.SpecRag.Models.Embedding;

/// <summary>
/// Decorator that remembers recent embeddings. Drafts of one query share the question and often the
/// same passages' sentences, so the extractive models ask for the same texts again and again.
/// </summary>
public sealed class CachingEmbedder(IEmbedder inner, IMemoryCache cache) : IEmbedder
{
    // Size is counted in vectors; 20k × 384 floats ≈ 30 MB.
    public const long CapacityInVectors = 20_000;

    public string ModelName => inner.ModelName;

    public int Dimensions => inner.Dimensions;

    public IEmbedder Inner => inner;

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var result = new float[texts.Count][];
        var missing = new List<int>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (cache.TryGetValue(Key(texts[i]), out float[]? hit) && hit is not null)
            {
                result[i] = hit;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            var distinct = missing.Select(i => texts[i]).Distinct(StringComparer.Ordinal).ToArray();
            var vectors = await inner.EmbedAsync(distinct, cancellationToken);
            var byText = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (var j = 0; j < distinct.Length; j++)
            {
                byText[distinct[j]] = vectors[j];
                cache.Set(Key(distinct[j]), vectors[j], new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) });
            }

            foreach (var i in missing)
            {
                result[i] = byText[texts[i]];
            }
        }

        return result;
    }

    private (string Model, string Text) Key(string text) => (inner.ModelName, text);
}
