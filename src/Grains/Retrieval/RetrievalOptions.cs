using System.ComponentModel.DataAnnotations;
using Orleans.SpecRag.Retrieval.Dense;
using Orleans.SpecRag.Retrieval.Segments;

namespace Orleans.SpecRag.Retrieval;

/// <summary>Retrieval settings (configuration section <c>SpecRag:Retrieval</c>).</summary>
public sealed class RetrievalOptions : IValidatableObject
{
    public const string Section = "SpecRag:Retrieval";

    /// <summary>Shards of a new collection; a collection keeps the count it was created with.</summary>
    [Range(1, 1024, ErrorMessage = "SpecRag:Retrieval:Shards must be between {1} and {2}.")]
    public int Shards { get; set; } = 8;

    /// <summary>The retrieval of a query that does not choose one; hybrid measured best on the dev data (docs/retrieval.md).</summary>
    public RetrievalMode DefaultMode { get; set; } = RetrievalMode.Hybrid;

    /// <summary>Hits of each kind every shard returns for fusion: at least this many, and at least the query's top-K.</summary>
    [Range(1, 10_000, ErrorMessage = "SpecRag:Retrieval:FusionDepth must be between {1} and {2}.")]
    public int FusionDepth { get; set; } = 30;

    /// <summary>The constant k of reciprocal-rank fusion, 1 / (k + rank); smaller trusts the top ranks more.</summary>
    [Range(0, 100_000, ErrorMessage = "SpecRag:Retrieval:RrfK must be between {1} and {2}.")]
    public int RrfK { get; set; } = HybridFusion.DefaultRrfK;

    public AnnOptions Ann { get; set; } = new();

    public Lexical.FeedbackOptions Feedback { get; set; } = new();

    public CompactionOptions Compaction { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => Hosting.NestedOptions.Validate(Ann, Feedback, Compaction);
}
