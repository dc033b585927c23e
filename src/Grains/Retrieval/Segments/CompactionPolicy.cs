using System.ComponentModel.DataAnnotations;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>When and what a shard compacts (configuration section <c>SpecRag:Retrieval:Compaction</c>).</summary>
public sealed class CompactionOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How often a shard checks whether it should compact.</summary>
    [Range(1, 86_400, ErrorMessage = "SpecRag:Retrieval:Compaction:IntervalSeconds must be between {1} and {2}.")]
    public int IntervalSeconds { get; set; } = 30;

    /// <summary>Segments with fewer live passages form the lowest tier; each tier above is <see cref="TierFactor"/> times larger.</summary>
    public int SmallSegmentPassages { get; set; } = 20_000;

    [Range(2, 1_000, ErrorMessage = "SpecRag:Retrieval:Compaction:TierFactor must be between {1} and {2}.")]
    public int TierFactor { get; set; } = 8;

    /// <summary>A tier with this many segments is merged into one.</summary>
    [Range(2, 1_000, ErrorMessage = "SpecRag:Retrieval:Compaction:SegmentsPerTier must be between {1} and {2}.")]
    public int SegmentsPerTier { get; set; } = 4;

    /// <summary>A segment with this share of its passages deleted is rewritten without them.</summary>
    [Range(0.0, 1.0, ErrorMessage = "SpecRag:Retrieval:Compaction:MaxDeletedRatio must be between {1} and {2}.")]
    public double MaxDeletedRatio { get; set; } = 0.3;

    /// <summary>
    /// No merge produces a segment with more live passages than this: a merge holds its passages and vectors in
    /// memory (1.5 KB a passage at 384 dimensions), and the HNSW graph of a larger segment takes long to build.
    /// </summary>
    public int MaxMergedPassages { get; set; } = 1_000_000;
}

/// <summary>
/// Tiered merging, as in Lucene's policies: segments are grouped by size (a tier spans a factor of
/// <see cref="CompactionOptions.TierFactor"/>), and once a tier holds enough segments they merge into one of the
/// next tier. Every passage is therefore rewritten about log(collection / batch) times, never once per batch.
/// Segments that are mostly tombstones are rewritten on their own.
/// </summary>
public static class CompactionPolicy
{
    /// <summary>The ids of the segments to merge into one, oldest first; empty when nothing is worth doing.</summary>
    public static IReadOnlyList<string> Select(ShardManifest manifest, CompactionOptions options)
    {
        var segments = manifest.Segments;
        var pick = new List<ManifestSegment>();
        var tiers = segments.GroupBy(s => Tier(s.LivePassages, options)).OrderBy(g => g.Key);
        foreach (var tier in tiers)
        {
            if (tier.Count() >= Math.Max(2, options.SegmentsPerTier))
            {
                pick.AddRange(tier);
                break;
            }
        }

        pick.AddRange(segments.Where(s => s.Passages > 0 && (double)s.DeletedPassages / s.Passages >= options.MaxDeletedRatio && !pick.Contains(s)));

        // Bounded output: smallest first until the cap.
        var bounded = new List<ManifestSegment>();
        var live = 0L;
        foreach (var segment in pick.OrderBy(s => s.LivePassages))
        {
            if (bounded.Count > 0 && live + segment.LivePassages > options.MaxMergedPassages)
            {
                break;
            }

            bounded.Add(segment);
            live += segment.LivePassages;
        }

        if (bounded.Count == 1 && bounded[0].DeletedPassages == 0)
        {
            return [];
        }

        var chosen = bounded.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return segments.Where(s => chosen.Contains(s.Id)).Select(s => s.Id).ToArray();
    }

    public static int Tier(int livePassages, CompactionOptions options)
    {
        var small = Math.Max(1, options.SmallSegmentPassages);
        return livePassages < small ? 0 : 1 + (int)Math.Floor(Math.Log((double)livePassages / small, Math.Max(2, options.TierFactor)));
    }
}
