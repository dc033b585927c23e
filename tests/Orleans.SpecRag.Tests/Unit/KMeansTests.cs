using Orleans.SpecRag.Grouping;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class KMeansTests
{
    private static float[][] ThreeBlobs(int perBlob, int seed)
    {
        var random = new Random(seed);
        float[][] centres = [[0, 0], [10, 10], [-10, 10]];
        return centres.SelectMany(c => Enumerable.Range(0, perBlob)
            .Select(_ => new[] { c[0] + (float)(random.NextDouble() - 0.5), c[1] + (float)(random.NextDouble() - 0.5) }))
            .ToArray();
    }

    [Fact]
    public void Separable_blobs_are_recovered_exactly()
    {
        var points = ThreeBlobs(8, seed: 1);
        var result = KMeans.Cluster(points, k: 3, seed: 42);

        // Each blob of 8 consecutive points must share one cluster, and the three blobs must differ.
        var blobClusters = Enumerable.Range(0, 3).Select(b => result.Assignments.Skip(b * 8).Take(8).Distinct().Single()).ToArray();
        Assert.Equal(3, blobClusters.Distinct().Count());
        Assert.All(result.Clusters, c => Assert.Equal(8, c.Count));
    }

    [Fact]
    public void Same_seed_gives_same_clusters_and_centroids()
    {
        var random = new Random(7);
        var points = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();

        var a = KMeans.Cluster(points, 4, seed: 123);
        var b = KMeans.Cluster(points, 4, seed: 123);

        Assert.Equal(a.Assignments, b.Assignments);
        Assert.Equal(a.Centroids.SelectMany(c => c), b.Centroids.SelectMany(c => c));
    }

    [Fact]
    public void Different_seeds_can_start_from_different_centroids_but_always_give_k_nonempty_clusters()
    {
        var random = new Random(3);
        var points = Enumerable.Range(0, 30).Select(_ => Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        for (var seed = 0; seed < 20; seed++)
        {
            var result = KMeans.Cluster(points, 5, seed);
            Assert.Equal(5, result.Clusters.Count);
            Assert.All(result.Clusters, c => Assert.NotEmpty(c));
            Assert.Equal(30, result.Clusters.Sum(c => c.Count));
        }
    }

    [Fact]
    public void Identical_points_still_make_k_nonempty_clusters()
    {
        var points = Enumerable.Range(0, 6).Select(_ => new float[] { 1, 2, 3 }).ToArray();
        var result = KMeans.Cluster(points, 3, seed: 0);
        Assert.All(result.Clusters, c => Assert.NotEmpty(c));
        Assert.Equal(6, result.Clusters.Sum(c => c.Count));
    }

    [Fact]
    public void K_equal_to_point_count_puts_each_point_alone()
    {
        float[][] points = [[0, 0], [1, 0], [0, 1], [5, 5]];
        var result = KMeans.Cluster(points, 4, seed: 9);
        Assert.All(result.Clusters, c => Assert.Single(c));
    }

    [Fact]
    public void Cannot_link_pairs_end_in_different_clusters_and_the_rest_keep_their_blobs()
    {
        var points = ThreeBlobs(6, seed: 2).Take(12).ToArray();
        var plain = KMeans.Cluster(points, 2, seed: 5);
        Assert.Equal(plain.Assignments[0], plain.Assignments[1]);

        // Points 0 and 1 lie in one blob: kept apart, one of them joins the other blob's cluster.
        var constrained = KMeans.Cluster(points, 2, seed: 5, cannotLink: [(0, 1)]);
        Assert.NotEqual(constrained.Assignments[0], constrained.Assignments[1]);
        // Points are assigned in index order: the later point of the pair is the one that moves.
        Assert.Equal(constrained.Assignments[0], constrained.Assignments[2]);
        Assert.Single(constrained.Assignments.Skip(2).Take(4).Distinct());
        Assert.Single(constrained.Assignments.Skip(6).Distinct());
        Assert.NotEqual(constrained.Assignments[2], constrained.Assignments[6]);
    }

    [Fact]
    public void Cannot_link_pairs_that_cannot_all_hold_are_dropped_rather_than_failing()
    {
        // Three points pairwise apart cannot go into two clusters: one pair shares a cluster, and every point is clustered.
        var points = ThreeBlobs(4, seed: 3);
        var result = KMeans.Cluster(points, 2, seed: 1, cannotLink: [(0, 1), (1, 2), (0, 2)]);
        Assert.Equal(2, result.Clusters.Count);
        Assert.All(result.Clusters, c => Assert.NotEmpty(c));
        Assert.Equal(points.Length, result.Clusters.Sum(c => c.Count));
        // Two of the three pairs hold: the three points split two and one.
        Assert.Equal(2, result.Assignments.Take(3).Distinct().Count());
    }

    [Fact]
    public void Cannot_link_pairs_are_read_as_a_set_of_distinct_points_and_checked()
    {
        var points = ThreeBlobs(6, seed: 2).Take(12).ToArray();
        var plain = KMeans.Cluster(points, 2, seed: 5).Assignments;

        // A point is never kept apart from itself; the order and repetition of a pair change nothing.
        Assert.Equal(plain, KMeans.Cluster(points, 2, seed: 5, cannotLink: [(5, 5)]).Assignments);
        Assert.Equal(KMeans.Cluster(points, 2, seed: 5, cannotLink: [(0, 1)]).Assignments, KMeans.Cluster(points, 2, seed: 5, cannotLink: [(1, 0), (0, 1), (0, 1)]).Assignments);
        // One cluster cannot keep anything apart: every point is in it.
        Assert.All(KMeans.Cluster(points, 1, seed: 5, cannotLink: [(0, 1)]).Assignments, a => Assert.Equal(0, a));
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Cluster(points, 2, seed: 5, cannotLink: [(0, 12)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Cluster(points, 2, seed: 5, cannotLink: [(-1, 3)]));
    }

    [Fact]
    public void A_cluster_short_of_points_takes_those_of_the_others_closest_to_it()
    {
        // Two blobs of 8 and 2 points on a line: the short cluster takes the three points of the big blob nearest it.
        float[][] points = [.. Enumerable.Range(0, 8).Select(i => new[] { (float)i }), [20f], [21f]];
        var clustering = KMeans.Cluster(points, k: 2, seed: 3);
        Assert.Equal([2, 8], clustering.Clusters.Select(c => c.Count).Order());

        var balanced = KMeans.WithMinimumSize(points, clustering, minimumSize: 5);

        var small = balanced.Assignments[9];
        Assert.Equal([5, 6, 7, 8, 9], Enumerable.Range(0, 10).Where(i => balanced.Assignments[i] == small));

        // A point is never moved in beside one it must be kept apart from: 7 stays, the next three nearest move.
        var constrained = KMeans.WithMinimumSize(points, clustering, minimumSize: 5, cannotLink: [(7, 8)]);
        Assert.Equal([4, 5, 6, 8, 9], Enumerable.Range(0, 10).Where(i => constrained.Assignments[i] == constrained.Assignments[9]));
    }

    [Fact]
    public void A_minimum_size_is_capped_at_the_points_over_k()
    {
        float[][] points = [[0f], [1f], [2f], [3f], [4f], [5f], [100f]];
        var clustering = KMeans.Cluster(points, k: 2, seed: 0);
        Assert.Equal([1, 6], clustering.Clusters.Select(c => c.Count).Order());

        var balanced = KMeans.WithMinimumSize(points, clustering, minimumSize: 5);

        Assert.Equal([3, 4], balanced.Clusters.Select(c => c.Count).Order());
    }

    [Fact]
    public void A_cluster_every_point_is_kept_apart_from_stays_short()
    {
        float[][] points = [[0f], [1f], [2f], [3f], [20f]];
        var clustering = KMeans.Cluster(points, k: 2, seed: 0);
        var lone = clustering.Assignments[4];

        var balanced = KMeans.WithMinimumSize(points, clustering, minimumSize: 2, cannotLink: [(0, 4), (1, 4), (2, 4), (3, 4)]);

        Assert.Equal(clustering.Assignments, balanced.Assignments);
        Assert.Equal([4], Enumerable.Range(0, 5).Where(i => balanced.Assignments[i] == lone));
    }

    [Fact]
    public void A_minimum_size_checks_its_inputs()
    {
        float[][] points = [[0f], [1f], [2f], [3f]];
        var clustering = KMeans.Cluster(points, k: 2, seed: 0);
        Assert.Throws<ArgumentException>(() => KMeans.WithMinimumSize(points[..3], clustering, minimumSize: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.WithMinimumSize(points, clustering, minimumSize: 2, cannotLink: [(0, 4)]));
    }

    [Fact]
    public void More_clusters_than_points_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => KMeans.Cluster([[0f], [1f]], 3, seed: 0));
    }
}
