namespace Orleans.SpecRag.Bench.Measurement;

/// <summary>
/// How close a query came to the fastest it could possibly be. Speculative RAG is retrieval, then m drafts in
/// parallel, then one verification; only the slowest draft gates the verifier. So the critical path, the work that
/// cannot overlap, is retrieval + slowest draft + verification, and parallel efficiency = critical path / end-to-end.
/// 1.0 means orchestration (clustering, fan-out, messaging, serialisation, persistence) cost nothing; 0.8 means
/// a fifth of the query's time went to it. Unlike raw latency it does not depend on how slow the models are,
/// which is why the target is stated in it.
/// </summary>
public static class ParallelEfficiency
{
    public static double CriticalPathMs(double retrievalMs, IEnumerable<double> draftMs, double verificationMs) =>
        retrievalMs + draftMs.DefaultIfEmpty(0).Max() + verificationMs;

    public static double Of(double criticalPathMs, double endToEndMs) =>
        endToEndMs > 0 ? criticalPathMs / endToEndMs : double.NaN;
}

/// <summary>Order statistics of plain numbers (ratios, counts) that are not latencies and so do not go through HdrHistogram.</summary>
public static class Stats
{
    /// <summary>Nearest-rank percentile: a value that actually occurred, like HdrHistogram's.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 50);
}
