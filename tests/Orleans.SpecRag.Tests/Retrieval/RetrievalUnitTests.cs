using Orleans.SpecRag.Retrieval;
using Orleans.SpecRag.Retrieval.Lexical;
using Orleans.SpecRag.Retrieval.Segments;

namespace Orleans.SpecRag.Tests.Retrieval;

public sealed class HybridFusionTests
{
    private static ShardHits Hits(string[] dense, string[] lexical) => new(
        dense.Select((id, i) => new ShardHit(id, id.Split('#')[0], 1.0 - (i * 0.1))).ToArray(),
        lexical.Select((id, i) => new ShardHit(id, id.Split('#')[0], 20.0 - i)).ToArray());

    [Fact]
    public void Reciprocal_rank_fusion_prefers_what_both_rankings_agree_on_and_reports_both_ranks()
    {
        var fused = HybridFusion.Fuse([Hits(["a#1", "b#1", "c#1"], ["c#1", "d#1"])], 4, RetrievalMode.Hybrid, rrfK: 60);

        // c: 1/63 + 1/61; a: 1/61; b and d: 1/62 each, tied, then by id.
        Assert.Equal(["c#1", "a#1", "b#1", "d#1"], fused.Select(h => h.PassageId));
        Assert.Equal((3, 1), (fused[0].DenseRank!.Value, fused[0].LexicalRank!.Value));
        Assert.Equal(1.0 / 63 + 1.0 / 61, fused[0].Score, 12);
        Assert.Null(fused[1].LexicalRank);
        Assert.Null(fused[3].DenseRank);
    }

    [Fact]
    public void Ranks_are_the_collections_across_shards_and_single_modes_keep_their_own_order()
    {
        var shards = new[] { Hits(["a#1"], ["x#1"]), new ShardHits([new ShardHit("b#1", "b", 0.95)], [new ShardHit("y#1", "y", 25)]) };

        var dense = HybridFusion.Fuse(shards, 10, RetrievalMode.Dense);
        Assert.Equal(["a#1", "b#1"], dense.Select(h => h.PassageId));
        Assert.Equal([1, 2], dense.Select(h => h.DenseRank!.Value));

        var lexical = HybridFusion.Fuse(shards, 10, RetrievalMode.Lexical);
        Assert.Equal(["y#1", "x#1"], lexical.Select(h => h.PassageId));
        Assert.Equal(25, lexical[0].Score);
    }
}

public sealed class LexicalFeedbackTests
{
    [Fact]
    public void Expansion_adds_the_feedback_passages_rare_words_and_never_the_questions_own()
    {
        var candidates = LexicalFeedback.Candidates("Who founded the company that distributed UHF?",
            ["UHF is a 1989 comedy film distributed by Orion Pictures.", "Orion Pictures was a film company."]);
        Assert.DoesNotContain("uhf", candidates.Keys);
        Assert.DoesNotContain("compani", candidates.Keys); // stemmed "company" is the question's
        Assert.Contains("orion", candidates.Keys);

        var terms = candidates.Keys.ToArray();
        // "film" is in most passages of the collection, "orion" in few: idf decides between equal shares.
        var frequencies = terms.Select(t => t == "film" ? 900L : 3L).ToArray();
        var expansion = LexicalFeedback.Select(terms, candidates, 1000, frequencies, count: 2, weight: 0.8f);

        Assert.Equal(2, expansion.Count);
        Assert.Contains(expansion, e => e.Term == "orion");
        Assert.DoesNotContain(expansion, e => e.Term == "film");
        Assert.Equal(0.8f, expansion[0].Weight);
        Assert.True(expansion[1].Weight <= 0.8f);
    }
}

public sealed class CompactionPolicyTests
{
    private static ManifestSegment Segment(string id, int passages, int deleted = 0) => new(id, passages, passages, [], deleted);

    private static readonly CompactionOptions Options = new() { SmallSegmentPassages = 100, TierFactor = 10, SegmentsPerTier = 4 };

    [Fact]
    public void A_full_tier_merges_and_larger_tiers_are_left_alone()
    {
        var manifest = new ShardManifest { Segments = [Segment("big", 5000), Segment("s1", 10), Segment("s2", 20), Segment("s3", 5), Segment("s4", 50)] };
        Assert.Equal(["s1", "s2", "s3", "s4"], CompactionPolicy.Select(manifest, Options));
    }

    [Fact]
    public void Nothing_is_merged_below_a_full_tier_unless_a_segment_is_mostly_deleted()
    {
        var healthy = new ShardManifest { Segments = [Segment("a", 10), Segment("b", 20), Segment("c", 500)] };
        Assert.Empty(CompactionPolicy.Select(healthy, Options));

        var deleted = new ShardManifest { Segments = [Segment("a", 10), Segment("c", 500, deleted: 200)] };
        Assert.Equal(["c"], CompactionPolicy.Select(deleted, Options));
    }

    [Fact]
    public void Tiers_grow_by_the_factor()
    {
        Assert.Equal([0, 1, 1, 2, 3], new[] { 99, 100, 999, 1000, 10_000 }.Select(p => CompactionPolicy.Tier(p, Options)));
    }
}

public sealed class LocalSegmentStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "specrag-tests", "store-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Records_are_written_only_against_the_ETag_they_were_read_with()
    {
        var store = new LocalSegmentStore(_root);
        Assert.Null(await store.ReadRecordAsync("c/manifest"));
        var first = await store.WriteRecordAsync("c/manifest", [1], expectedETag: null);
        await Assert.ThrowsAsync<ETagMismatchException>(() => store.WriteRecordAsync("c/manifest", [2], expectedETag: null));
        var second = await store.WriteRecordAsync("c/manifest", [2], first);
        await Assert.ThrowsAsync<ETagMismatchException>(() => store.WriteRecordAsync("c/manifest", [3], first));

        var read = await new LocalSegmentStore(_root).ReadRecordAsync("c/manifest");
        Assert.Equal([(byte)2], read!.Content);
        Assert.Equal(second, read.ETag);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a//b")]
    public async Task Keys_cannot_climb_out_of_the_data_directory(string key) =>
        await Assert.ThrowsAsync<ArgumentException>(() => new LocalSegmentStore(_root).ReadRecordAsync(key));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
