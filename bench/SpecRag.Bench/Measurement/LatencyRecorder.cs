using HdrHistogram;

namespace Orleans.SpecRag.Bench.Measurement;

/// <summary>p50/p90/p99 of a set of latencies, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0);
}

/// <summary>
/// Records latencies into an HdrHistogram, in microseconds. Why HdrHistogram rather than sorting samples: it keeps
/// every value to 3 significant digits (±0.1 %) at a fixed memory cost whatever the sample count, its percentiles
/// are recorded values rather than interpolations, and the same code serves 20 samples and 100 000. Microsecond
/// resolution matters for the orchestration overhead, which is measured in fractions of a millisecond.
/// Thread-safe: load workers record concurrently.
/// </summary>
public sealed class LatencyRecorder
{
    /// <summary>One hour: anything slower is a hang, and is clamped rather than lost.</summary>
    private const long HighestTrackableMicroseconds = 3_600_000_000;

    private readonly LongHistogram _histogram = new(HighestTrackableMicroseconds, 3);
    private readonly object _gate = new();

    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _histogram.TotalCount;
            }
        }
    }

    public void RecordMilliseconds(double milliseconds)
    {
        var microseconds = (long)Math.Round(Math.Clamp(milliseconds, 0, HighestTrackableMicroseconds / 1000.0) * 1000);
        lock (_gate)
        {
            _histogram.RecordValue(microseconds);
        }
    }

    public LatencySummary Summarize()
    {
        lock (_gate)
        {
            if (_histogram.TotalCount == 0)
            {
                return LatencySummary.Empty;
            }

            return new LatencySummary(
                _histogram.TotalCount,
                Ms(_histogram.GetValueAtPercentile(50)),
                Ms(_histogram.GetValueAtPercentile(90)),
                Ms(_histogram.GetValueAtPercentile(99)),
                Ms(_histogram.GetMaxValue()),
                Math.Round(_histogram.GetMean() / 1000.0, 3));
        }
    }

    /// <summary>Summarises a finished list of latencies in one call.</summary>
    public static LatencySummary Summarize(IEnumerable<double> milliseconds)
    {
        var recorder = new LatencyRecorder();
        foreach (var value in milliseconds)
        {
            recorder.RecordMilliseconds(value);
        }

        return recorder.Summarize();
    }

    private static double Ms(long microseconds) => microseconds / 1000.0;
}
