using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orleans.SpecRag.Telemetry;

/// <summary>The service's own traces and metrics; hosts subscribe to <see cref="Name"/>.</summary>
public static class SpecRagTelemetry
{
    public const string Name = "Orleans.SpecRag";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> QueryDuration =
        Meter.CreateHistogram<double>("specrag.query.duration", "ms", "End-to-end duration of a query inside the cluster.");

    public static readonly Histogram<double> DraftDuration =
        Meter.CreateHistogram<double>("specrag.draft.duration", "ms", "Duration of one draft on a drafter silo.");

    public static readonly Histogram<double> VerifyDuration =
        Meter.CreateHistogram<double>("specrag.verify.duration", "ms", "Duration of verifying all drafts of a query.");

    public static readonly Counter<long> Drafts =
        Meter.CreateCounter<long>("specrag.drafts", description: "Drafts written, tagged with their outcome.");

    public static readonly UpDownCounter<long> DraftsInFlight =
        Meter.CreateUpDownCounter<long>("specrag.drafts.inflight", description: "Drafts running on this silo now; the autoscaling signal for drafter silos.");
}
