namespace Orleans.SpecRag.Grouping;

/// <summary>
/// Samples the passage subsets of Speculative RAG: each subset takes one passage from every cluster, so
/// each draft sees diverse evidence, and no two subsets are the same.
/// </summary>
public static class SubsetSampler
{
    /// <summary>
    /// Subsets with the given strategy; items are retrieval ranks (0 = the retriever's best passage). <paramref name="affinity"/>,
    /// when given, says how strongly two items belong in one subset, and <paramref name="chained"/> which items are worth
    /// reading below the ranks the subsets cover; only coverage sampling uses them (see <see cref="Cover"/>).
    /// </summary>
    public static IReadOnlyList<int[]> Sample(
        IReadOnlyList<IReadOnlyList<int>> clusters, int count, int seed, SubsetSampling strategy, Func<int, int, int>? affinity = null, IReadOnlySet<int>? chained = null) =>
        strategy == SubsetSampling.Coverage ? Cover(clusters, count, seed, affinity, chained) : Sample(clusters, count, seed);

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
    /// <para>
    /// Which least-used items go together is free, as long as every subset takes its least-used ones among those the
    /// subsets cover (a cluster's best-ranked, as many as there are subsets). With an <paramref name="affinity"/> (two
    /// passages that name the same thing the question does not: the two hops of a multi-hop question), a subset starts
    /// from the two least-used items with the strongest affinity (the first subset from the retriever's best passage) and
    /// takes from every other cluster the least-used item with the strongest affinity to what it holds, the best-ranked
    /// among equals. Which passages the subsets cover is the same; which ones a drafter reads together is not.
    /// </para>
    /// <para>
    /// The <paramref name="chained"/> items (the likely chains of a multi-hop question) may be taken below those ranks as
    /// well: a second hop does not name the question's entity, so a retriever ranks it low, and read beside its first hop
    /// it is worth more than a better-ranked passage that continues nothing.
    /// </para>
    /// </summary>
    public static IReadOnlyList<int[]> Cover(
        IReadOnlyList<IReadOnlyList<int>> clusters, int count, int seed, Func<int, int, int>? affinity = null, IReadOnlySet<int>? chained = null)
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
        // What pairing chooses among: each cluster's best-ranked items, as many as there are subsets, and its chained ones.
        var pairable = ordered.Select(c => c.Take(target).Concat(c.Skip(target).Where(item => chained?.Contains(item) == true)).ToArray()).ToArray();
        while (subsets.Count < target)
        {
            var subset = affinity is null
                ? ordered.Select(c => c.MinBy(item => (uses.GetValueOrDefault(item), item))).ToArray()
                : Together(pairable, uses, affinity, first: subsets.Count == 0);
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

    /// <summary>
    /// One subset of least-used items. It starts from the retriever's best passage in the first subset (so that one is
    /// always read), and later from the two least-used items of different clusters with the strongest affinity, when any
    /// two have one (the best-ranked among equals), else from the best-ranked least-used item; every other cluster then
    /// gives its least-used item with the strongest affinity to those taken, the best-ranked among equals.
    /// </summary>
    private static int[] Together(int[][] clusters, Dictionary<int, int> uses, Func<int, int, int> affinity, bool first)
    {
        var leastUsed = clusters.Select(c =>
        {
            var fewest = c.Min(item => uses.GetValueOrDefault(item));
            return c.Where(item => uses.GetValueOrDefault(item) == fewest).ToArray();
        }).ToArray();
        var subset = new int[clusters.Length];
        var done = new bool[clusters.Length];
        var taken = new List<int>(clusters.Length);
        void Take(int cluster, int item)
        {
            subset[cluster] = item;
            done[cluster] = true;
            taken.Add(item);
        }

        var anchor = Enumerable.Range(0, clusters.Length).MinBy(c => leastUsed[c][0]);
        var pair = first ? default : StrongestPair(leastUsed, affinity);
        if (pair.Strength > 0)
        {
            Take(pair.ClusterA, pair.ItemA);
            Take(pair.ClusterB, pair.ItemB);
        }
        else
        {
            Take(anchor, leastUsed[anchor][0]);
        }

        foreach (var cluster in Enumerable.Range(0, clusters.Length).Where(c => !done[c]).OrderBy(c => leastUsed[c][0]).ToArray())
        {
            Take(cluster, leastUsed[cluster].MinBy(item => (-taken.Sum(t => affinity(t, item)), item)));
        }

        return subset;
    }

    private static (int Strength, int ClusterA, int ItemA, int ClusterB, int ItemB) StrongestPair(int[][] leastUsed, Func<int, int, int> affinity)
    {
        var best = (Strength: 0, ClusterA: 0, ItemA: 0, ClusterB: 0, ItemB: 0);
        var bestRanks = int.MaxValue;
        for (var a = 0; a < leastUsed.Length; a++)
        {
            for (var b = a + 1; b < leastUsed.Length; b++)
            {
                foreach (var itemA in leastUsed[a])
                {
                    foreach (var itemB in leastUsed[b])
                    {
                        var strength = affinity(itemA, itemB);
                        if (strength > best.Strength || (strength == best.Strength && strength > 0 && itemA + itemB < bestRanks))
                        {
                            best = (strength, a, itemA, b, itemB);
                            bestRanks = itemA + itemB;
                        }
                    }
                }
            }
        }

        return best;
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
