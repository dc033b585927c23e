using Orleans.SpecRag.Retrieval;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class VectorIndexTests
{
    [Fact]
    public void Search_returns_the_top_k_by_dot_product_best_first()
    {
        var random = new Random(4);
        var vectors = Enumerable.Range(0, 500).Select(_ => Normalize(Enumerable.Range(0, 32).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray())).ToArray();
        var index = new VectorIndex<int>(32, vectors.Select((v, i) => (i, v)).ToArray());
        var query = vectors[17];

        var hits = index.Search(query, 10);

        var expected = vectors.Select((v, i) => (i, score: v.Zip(query, (a, b) => a * b).Sum()))
            .OrderByDescending(x => x.score).Take(10).Select(x => x.i).ToArray();
        Assert.Equal(expected, hits.Select(h => h.Item));
        Assert.Equal(17, hits[0].Item);
        Assert.Equal(1f, hits[0].Score, 4);
    }

    [Fact]
    public void Top_k_larger_than_the_index_returns_everything()
    {
        var index = new VectorIndex<string>(2, [("a", [1f, 0f]), ("b", [0f, 1f])]);
        Assert.Equal(["a", "b"], index.Search([1f, 0.1f], 10).Select(h => h.Item));
    }

    [Fact]
    public void Wrong_dimensions_are_rejected()
    {
        var index = new VectorIndex<string>(2, [("a", [1f, 0f])]);
        Assert.Throws<ArgumentException>(() => index.Search([1f, 0f, 0f], 1));
        Assert.Throws<ArgumentException>(() => new VectorIndex<string>(3, [("a", [1f, 0f])]));
    }

    private static float[] Normalize(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }
}
