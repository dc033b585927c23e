using System.ComponentModel.DataAnnotations;

namespace Orleans.SpecRag.Gateway.Hosting;

/// <summary>How the gateway reaches the cluster and how much it lets in (configuration section <c>SpecRag:Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "SpecRag:Gateway";

    /// <summary>With localhost clustering, run a silo with both roles inside the gateway (the embedded default).</summary>
    public bool CoHostSilo { get; set; } = true;

    /// <summary>How long past a query's deadline the gateway waits for the cluster's answer before it gives up (504).</summary>
    [Range(0, 300_000, ErrorMessage = "SpecRag:Gateway:DeadlineGraceMs must be between {1} and {2}.")]
    public int DeadlineGraceMs { get; set; } = 4_000;

    /// <summary>
    /// Queries this gateway runs at once; later ones wait in arrival order within their deadline. Not to be confused with
    /// <c>SpecRag:Drafter:MaxInFlight</c> (drafts per drafter silo) or a model endpoint's <c>MaxConcurrency</c>.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "SpecRag:Gateway:MaxQueriesInFlight must be between {1} and {2}.")]
    public int MaxQueriesInFlight { get; set; } = 4 * Environment.ProcessorCount;

    /// <summary>
    /// Queries allowed to wait for admission when <see cref="MaxQueriesInFlight"/> run; one more is turned away at once
    /// with 503 and Retry-After, so that a burst beyond what the cluster can serve within deadlines fails fast.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "SpecRag:Gateway:MaxQueriesQueued must be between {1} and {2}.")]
    public int MaxQueriesQueued { get; set; } = 256;

    /// <summary>How long a read (a collection's counts, a stored query, the silo list) may take, retries through other gateways included.</summary>
    [Range(100, 300_000, ErrorMessage = "SpecRag:Gateway:ReadTimeoutMs must be between {1} and {2}.")]
    public int ReadTimeoutMs { get; set; } = 15_000;

    /// <summary>How long one batch of documents may take to be embedded and written, retries through other gateways included.</summary>
    [Range(1_000, 3_600_000, ErrorMessage = "SpecRag:Gateway:IngestTimeoutMs must be between {1} and {2}.")]
    public int IngestTimeoutMs { get; set; } = 120_000;
}
