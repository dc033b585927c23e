using System.Numerics.Tensors;

namespace Orleans.SpecRag.Grouping;

/// <summary>
/// The outcome of <see cref="KMeans.Cluster(IReadOnlyList{float[]}, int, int, int)"/>. After
/// <see cref="KMeans.WithMinimumSize"/> the assignments are no longer K-means' fixed point: some points sit in a cluster
/// whose centroid is not their nearest, and the centroids are those K-means ended with.
/// </summary>
/// <param name="Assignments">The cluster of each input point.</param>
/// <param name="Centroids">One centroid per cluster.</param>
/// <param name="Iterations">Lloyd iterations until the assignment stopped changing.</param>
public sealed record KMeansResult(int[] Assignments, float[][] Centroids, int Iterations)
{
    /// <summary>The point indices of each cluster, ascending; no cluster is empty.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Clusters =>
        Enumerable.Range(0, Centroids.Length)
            .Select(c => (IReadOnlyList<int>)Enumerable.Range(0, Assignments.Length).Where(i => Assignments[i] == c).ToArray())
            .ToArray();
}

/// <summary>
/// K-means with k-means++ seeding (Arthur and Vassilvitskii, 2007) and Lloyd iterations. Deterministic for a
/// given seed, so a query with a seed can be replayed exactly. Distances are squared Euclidean; for
/// unit-length embeddings that orders points exactly like cosine distance.
/// </summary>
public static class KMeans
{
    public const int DefaultMaxIterations = 100;

    public static KMeansResult Cluster(IReadOnlyList<float[]> points, int k, int seed, int maxIterations = DefaultMaxIterations) =>
        Cluster(points, k, seed, cannotLink: [], maxIterations);

    /// <summary>
    /// K-means whose assignment keeps apart the pairs in <paramref name="cannotLink"/> where it can (COP-K-means, Wagstaff
    /// et al., 2001): points are assigned in index order, each to the nearest centroid whose cluster holds none of its
    /// cannot-link partners assigned before it in the same pass; a point every cluster conflicts for goes to its nearest
    /// centroid, so a constraint that cannot hold is dropped rather than failing the clustering. Without constraints this
    /// is <see cref="Cluster(IReadOnlyList{float[]}, int, int, int)"/>.
    /// </summary>
    public static KMeansResult Cluster(IReadOnlyList<float[]> points, int k, int seed, IReadOnlyCollection<(int A, int B)> cannotLink, int maxIterations = DefaultMaxIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (points.Count < k)
        {
            throw new ArgumentException($"Cannot make {k} clusters from {points.Count} points.", nameof(points));
        }

        var earlierPartners = Enumerable.Range(0, points.Count).Select(_ => new List<int>()).ToArray();
        foreach (var (a, b) in cannotLink)
        {
            if (a < 0 || b < 0 || a >= points.Count || b >= points.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(cannotLink), $"The pair ({a}, {b}) names a point outside 0..{points.Count - 1}.");
            }

            if (a != b)
            {
                earlierPartners[Math.Max(a, b)].Add(Math.Min(a, b));
            }
        }

        var random = new Random(seed);
        var centroids = SeedPlusPlus(points, k, random);
        var assignments = new int[points.Count];
        Array.Fill(assignments, -1);

        var iterations = 0;
        while (iterations < maxIterations)
        {
            iterations++;
            var changed = Assign(points, centroids, assignments, earlierPartners);
            FillEmptyClusters(points, centroids, assignments);
            UpdateCentroids(points, centroids, assignments);
            if (!changed)
            {
                break;
            }
        }

        return new KMeansResult(assignments, centroids, iterations);
    }

    /// <summary>
    /// The clustering with every cluster holding at least <paramref name="minimumSize"/> points (at most the points there
    /// are over k): a cluster short of points takes, one at a time, the point of a cluster that can spare one which moves
    /// the least (its distance to the short cluster's centroid less its distance to its own), the lower index among
    /// equals, never into a cluster that holds one of its <paramref name="cannotLink"/> partners (a cluster that can take
    /// no point stays short). Centroids are not moved. With m subsets of one point per cluster, clusters of at least m
    /// points let the subsets read m·k different points; K-means often leaves a cluster of two or three.
    /// </summary>
    public static KMeansResult WithMinimumSize(IReadOnlyList<float[]> points, KMeansResult clustering, int minimumSize, IReadOnlyCollection<(int A, int B)>? cannotLink = null)
    {
        if (points.Count != clustering.Assignments.Length)
        {
            throw new ArgumentException($"The clustering assigns {clustering.Assignments.Length} points, not {points.Count}.", nameof(clustering));
        }

        var partners = Enumerable.Range(0, points.Count).Select(_ => new List<int>()).ToArray();
        foreach (var (a, b) in cannotLink ?? [])
        {
            if (a < 0 || b < 0 || a >= points.Count || b >= points.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(cannotLink), $"The pair ({a}, {b}) names a point outside 0..{points.Count - 1}.");
            }

            partners[a].Add(b);
            partners[b].Add(a);
        }

        var k = clustering.Centroids.Length;
        minimumSize = Math.Min(minimumSize, points.Count / k);
        var assignments = (int[])clustering.Assignments.Clone();
        var sizes = new int[k];
        foreach (var a in assignments)
        {
            sizes[a]++;
        }

        for (var c = 0; c < k; c++)
        {
            while (sizes[c] < minimumSize)
            {
                var candidates = Enumerable.Range(0, points.Count)
                    .Where(i => assignments[i] != c && sizes[assignments[i]] > minimumSize && !partners[i].Any(j => assignments[j] == c))
                    .ToArray();
                if (candidates.Length == 0)
                {
                    break;
                }

                var moved = candidates.MinBy(i => (Distance(points[i], clustering.Centroids[c]) - Distance(points[i], clustering.Centroids[assignments[i]]), i));
                sizes[assignments[moved]]--;
                assignments[moved] = c;
                sizes[c]++;
            }
        }

        return clustering with { Assignments = assignments };
    }

    private static float[][] SeedPlusPlus(IReadOnlyList<float[]> points, int k, Random random)
    {
        var centroids = new float[k][];
        var chosen = new HashSet<int>();
        var first = random.Next(points.Count);
        centroids[0] = (float[])points[first].Clone();
        chosen.Add(first);

        var nearest = points.Select(p => Distance(p, centroids[0])).ToArray();
        for (var c = 1; c < k; c++)
        {
            var total = nearest.Sum();
            int next;
            if (total <= 0)
            {
                // Every remaining point coincides with a centroid: take any point not used yet.
                var unused = Enumerable.Range(0, points.Count).Where(i => !chosen.Contains(i)).ToArray();
                next = unused[random.Next(unused.Length)];
            }
            else
            {
                // D² sampling: the next centroid is drawn with probability proportional to its squared distance.
                var target = random.NextDouble() * total;
                next = points.Count - 1;
                for (var i = 0; i < points.Count; i++)
                {
                    target -= nearest[i];
                    if (target < 0 && nearest[i] > 0)
                    {
                        next = i;
                        break;
                    }
                }
            }

            centroids[c] = (float[])points[next].Clone();
            chosen.Add(next);
            for (var i = 0; i < points.Count; i++)
            {
                nearest[i] = Math.Min(nearest[i], Distance(points[i], centroids[c]));
            }
        }

        return centroids;
    }

    // earlierPartners[i]: the cannot-link partners of point i that come before it. Each pair is checked once, when its
    // later point is assigned, against the cluster its earlier point took in the same pass.
    private static bool Assign(IReadOnlyList<float[]> points, float[][] centroids, int[] assignments, List<int>[] earlierPartners)
    {
        var changed = false;
        var blocked = new bool[centroids.Length];
        for (var i = 0; i < points.Count; i++)
        {
            Array.Clear(blocked);
            foreach (var j in earlierPartners[i])
            {
                blocked[assignments[j]] = true;
            }

            var best = -1;
            var nearest = 0;
            var bestDistance = double.MaxValue;
            var nearestDistance = double.MaxValue;
            for (var c = 0; c < centroids.Length; c++)
            {
                var d = Distance(points[i], centroids[c]);
                if (d < nearestDistance)
                {
                    nearestDistance = d;
                    nearest = c;
                }

                if (d < bestDistance && !blocked[c])
                {
                    bestDistance = d;
                    best = c;
                }
            }

            // Every cluster holds a partner: the constraint cannot hold, and the point goes to its nearest centroid.
            best = best < 0 ? nearest : best;

            if (assignments[i] != best)
            {
                assignments[i] = best;
                changed = true;
            }
        }

        return changed;
    }

    // A cluster can lose all its points; it takes the point farthest from its own centroid instead,
    // so the result always has exactly k non-empty clusters.
    private static void FillEmptyClusters(IReadOnlyList<float[]> points, float[][] centroids, int[] assignments)
    {
        for (var c = 0; c < centroids.Length; c++)
        {
            if (assignments.Contains(c))
            {
                continue;
            }

            var sizes = new int[centroids.Length];
            foreach (var a in assignments)
            {
                sizes[a]++;
            }

            var farthest = Enumerable.Range(0, points.Count)
                .Where(i => sizes[assignments[i]] > 1)
                .OrderByDescending(i => Distance(points[i], centroids[assignments[i]]))
                .ThenBy(i => i)
                .First();
            assignments[farthest] = c;
        }
    }

    private static void UpdateCentroids(IReadOnlyList<float[]> points, float[][] centroids, int[] assignments)
    {
        var dimensions = points[0].Length;
        for (var c = 0; c < centroids.Length; c++)
        {
            var sum = new float[dimensions];
            var count = 0;
            for (var i = 0; i < points.Count; i++)
            {
                if (assignments[i] == c)
                {
                    TensorPrimitives.Add(sum, points[i], sum);
                    count++;
                }
            }

            if (count > 0)
            {
                TensorPrimitives.Divide(sum, count, sum);
                centroids[c] = sum;
            }
        }
    }

    private static double Distance(float[] a, float[] b)
    {
        var d = TensorPrimitives.Distance(a, b);
        return (double)d * d;
    }
}
