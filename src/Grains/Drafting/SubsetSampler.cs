namespace Orleans.SpecRag.Drafting;

/// <summary>
/// Samples the passage subsets of Speculative RAG: each subset takes one passage from every cluster, so
/// each draft sees diverse evidence, and no two subsets are the same.
/// </summary>
public static class SubsetSampler
{
    /// <summary>
    /// Returns up to <paramref name="count"/> distinct subsets, each holding one item of every cluster in
    /// cluster order. When fewer distinct subsets exist, all of them are returned. Deterministic for a seed.
    /// </summary>
    public static IReadOnlyList<int[]> Sample(IReadOnlyList<IReadOnlyList<int>> clusters, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (clusters.Count == 0 || clusters.Any(c => c.Count == 0))
        {
            throw new ArgumentException("Every cluster needs at least one item.", nameof(clusters));
        }

        if (DistinctSubsets(clusters) <= count)
        {
            return Enumerate(clusters).ToArray();
        }

        var random = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var subsets = new List<int[]>(count);
        while (subsets.Count < count)
        {
            var subset = clusters.Select(c => c[random.Next(c.Count)]).ToArray();
            if (seen.Add(string.Join(',', subset)))
            {
                subsets.Add(subset);
            }
        }

        return subsets;
    }

    /// <summary>The number of distinct subsets, saturating at <see cref="long.MaxValue"/>.</summary>
    public static long DistinctSubsets(IReadOnlyList<IReadOnlyList<int>> clusters)
    {
        long total = 1;
        foreach (var cluster in clusters)
        {
            if (total > long.MaxValue / cluster.Count)
            {
                return long.MaxValue;
            }

            total *= cluster.Count;
        }

        return total;
    }

    private static IEnumerable<int[]> Enumerate(IReadOnlyList<IReadOnlyList<int>> clusters)
    {
        var positions = new int[clusters.Count];
        while (true)
        {
            yield return clusters.Select((c, i) => c[positions[i]]).ToArray();

            var digit = clusters.Count - 1;
            while (digit >= 0 && ++positions[digit] == clusters[digit].Count)
            {
                positions[digit] = 0;
                digit--;
            }

            if (digit < 0)
            {
                yield break;
            }
        }
    }
}
