namespace Orleans.SpecRag.Retrieval;

/// <summary>
/// Merges the shards' hits into the collection's ranking. Dense scores are cosines and compare across shards;
/// BM25 scores are close enough to compare (shards are hash partitions with similar term statistics). Hybrid
/// ranking is reciprocal-rank fusion (Cormack et al., 2009): score = Σ 1 / (k + rank) over the two rankings,
/// which needs no calibration between cosine and BM25.
/// </summary>
public static class HybridFusion
{
    /// <summary>The constant of reciprocal-rank fusion: 60 in the paper; 10 measured better on the dev data (docs/retrieval.md).</summary>
    public const int DefaultRrfK = 10;

    public sealed record FusedHit(string PassageId, string DocumentId, double Score, int? DenseRank, int? LexicalRank);

    public static IReadOnlyList<FusedHit> Fuse(IEnumerable<ShardHits> shards, int topK, RetrievalMode mode, int rrfK = DefaultRrfK)
    {
        var all = shards.ToArray();
        var dense = Rank(all.SelectMany(s => s.Dense));
        var lexical = Rank(all.SelectMany(s => s.Lexical));
        var byId = new Dictionary<string, (string DocumentId, int? Dense, int? Lexical, double DenseScore, double LexicalScore)>(StringComparer.Ordinal);
        foreach (var (hit, rank) in dense)
        {
            byId[hit.PassageId] = (hit.DocumentId, rank, null, hit.Score, 0);
        }

        foreach (var (hit, rank) in lexical)
        {
            byId[hit.PassageId] = byId.TryGetValue(hit.PassageId, out var seen)
                ? seen with { Lexical = rank, LexicalScore = hit.Score }
                : (hit.DocumentId, null, rank, 0, hit.Score);
        }

        return byId
            .Select(kv => new FusedHit(kv.Key, kv.Value.DocumentId, mode switch
            {
                RetrievalMode.Dense => kv.Value.DenseScore,
                RetrievalMode.Lexical => kv.Value.LexicalScore,
                _ => Reciprocal(kv.Value.Dense, rrfK) + Reciprocal(kv.Value.Lexical, rrfK),
            }, kv.Value.Dense, kv.Value.Lexical))
            .Where(hit => mode switch { RetrievalMode.Dense => hit.DenseRank is not null, RetrievalMode.Lexical => hit.LexicalRank is not null, _ => true })
            .OrderByDescending(hit => hit.Score)
            .ThenBy(hit => Math.Min(hit.DenseRank ?? int.MaxValue, hit.LexicalRank ?? int.MaxValue))
            .ThenBy(hit => hit.PassageId, StringComparer.Ordinal)
            .Take(topK)
            .ToArray();
    }

    private static double Reciprocal(int? rank, int k) => rank is { } r ? 1.0 / (k + r) : 0;

    private static IEnumerable<(ShardHit Hit, int Rank)> Rank(IEnumerable<ShardHit> hits) =>
        hits.OrderByDescending(h => h.Score).ThenBy(h => h.PassageId, StringComparer.Ordinal).Select((h, i) => (h, i + 1));
}
