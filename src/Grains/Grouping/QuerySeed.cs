namespace Orleans.SpecRag.Grouping;

/// <summary>
/// The seed of a query's random subsets (the paper's sampling; coverage sampling draws only when it runs out): the
/// request's seed mixed with a stable hash of its question. Seeding every query with the request's seed alone (0 by default) made every
/// query draw the same positions: clusters list their passages by retrieval rank, so the paper's "random" subsets left
/// out the same ranks in every query. On MuSiQue's single-hop sub-questions they held the passage standard mode
/// answered from in 20 of 63 questions, against about two in three for independent draws. Mixed with the question, a
/// query is still reproducible (same question and seed, same subsets; a retried query drafts the same subsets again),
/// and different questions draw independently. K-means keeps the request's seed: its clusters are not a sample.
/// </summary>
public static class QuerySeed
{
    public static int Of(int seed, string question)
    {
        // FNV-1a over the UTF-16 code units: string.GetHashCode is randomised per process, so silos would disagree.
        var hash = 2166136261u;
        foreach (var c in question)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash ^ (uint)seed);
    }
}
