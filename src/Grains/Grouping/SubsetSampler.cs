namespace Orleans.SpecRag.Grouping;

/// <summary>
/// Samples the passage subsets of Speculative RAG: each subset takes one passage from every cluster, so
/// each draft sees diverse evidence, and no two subsets are the same.
/// </summary>
public static class SubsetSampler
{
    /// <summary>Subsets with the given strategy; items are retrieval ranks (0 = the retriever's best passage).</summary>
    public static IReadOnlyList<int[]> Sample(IReadOnlyList<IReadOnlyList<int>> clusters, int count, int seed, SubsetSampling strategy) =>
        strategy == SubsetSampling.Coverage ? Cover(clusters, count, seed) : Sample(clusters, count, seed);

    /// <summary>
    /// The paper's sampling: up to <paramref name="count"/> distinct subsets drawn at random, each holding one item of
    /// every cluster in cluster order. When fewer distinct subsets exist, all of them are returned. Deterministic for a seed.
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

    /// <summary>
    /// Coverage-aware sampling (beyond the paper): still one item per cluster and no subset twice, but each subset takes
    /// from every cluster its least-used item, the best-ranked among equals, so the subsets together cover as many of
    /// the top-ranked passages as they can before any passage repeats, and the first subset holds the retriever's best
    /// passage of every cluster (item 0 among them). Random passages can leave out the one passage that holds the answer;
    /// this cannot while there is room for it.
    /// </summary>
    public static IReadOnlyList<int[]> Cover(IReadOnlyList<IReadOnlyList<int>> clusters, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (clusters.Count == 0 || clusters.Any(c => c.Count == 0))
        {
            throw new ArgumentException("Every cluster needs at least one item.", nameof(clusters));
        }

        var ordered = clusters.Select(c => c.Order().ToArray()).ToArray();
        var target = (int)Math.Min(count, DistinctSubsets(clusters));
        var uses = new Dictionary<int, int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var subsets = new List<int[]>(target);
        while (subsets.Count < target)
        {
            var subset = ordered.Select(c => c.MinBy(item => (uses.GetValueOrDefault(item), item))).ToArray();
            if (!seen.Add(Key(subset)))
            {
                // Every cluster's least-used item together forms a subset already taken (small clusters run out
                // first): take the untaken subset with the fewest uses, then the best ranks.
                subset = NextUntaken(ordered, seen, uses) ?? RandomUntaken(ordered, seen, seed + subsets.Count);
                seen.Add(Key(subset));
            }

            subsets.Add(subset);
            foreach (var item in subset)
            {
                uses[item] = uses.GetValueOrDefault(item) + 1;
            }
        }

        return subsets;
    }

    private const long MaxEnumerated = 4096;

    private static string Key(int[] subset) => string.Join(',', subset);

    private static int[]? NextUntaken(int[][] clusters, HashSet<string> seen, Dictionary<int, int> uses)
    {
        if (DistinctSubsets(clusters) > MaxEnumerated)
        {
            return null;
        }

        return Enumerate(clusters)
            .Where(s => !seen.Contains(Key(s)))
            .OrderBy(s => s.Sum(item => uses.GetValueOrDefault(item)))
            .ThenBy(s => s.Sum())
            .FirstOrDefault();
    }

    private static int[] RandomUntaken(int[][] clusters, HashSet<string> seen, int seed)
    {
        var random = new Random(seed);
        while (true)
        {
            var subset = clusters.Select(c => c[random.Next(c.Length)]).ToArray();
            if (!seen.Contains(Key(subset)))
            {
                return subset;
            }
        }
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
