namespace Orleans.SpecRag;

/// <summary>How passages are retrieved from a collection.</summary>
[GenerateSerializer]
public enum RetrievalMode
{
    /// <summary>Nearest neighbours of the question's embedding (cosine).</summary>
    Dense,

    /// <summary>BM25 over the passages' words.</summary>
    Lexical,

    /// <summary>Both, merged by reciprocal-rank fusion.</summary>
    Hybrid,
}

/// <summary>A search of a collection: the question as text and as a unit-length embedding.</summary>
[GenerateSerializer, Immutable]
public sealed record RetrievalQuery(
    [property: Id(0)] string Text,
    [property: Id(1)] float[] Embedding,
    [property: Id(2)] int TopK,
    [property: Id(3)] RetrievalMode Mode);

/// <summary>A shard's part of a search: up to <see cref="Depth"/> hits of each kind the mode asks for.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardSearch(
    [property: Id(0)] string Text,
    [property: Id(1)] float[] Embedding,
    [property: Id(2)] int Depth,
    [property: Id(3)] RetrievalMode Mode)
{
    /// <summary>Analysed terms added to the lexical query with their boosts (pseudo-relevance feedback).</summary>
    [Id(4)] public IReadOnlyList<WeightedTerm> Expansion { get; init; } = [];
}

/// <summary>An analysed index term and its boost in a lexical query.</summary>
[GenerateSerializer, Immutable]
public sealed record WeightedTerm(
    [property: Id(0)] string Term,
    [property: Id(1)] float Weight);

/// <summary>How many passages a shard holds and how many of them contain each asked term (BM25's document frequency).</summary>
[GenerateSerializer, Immutable]
public sealed record TermStatistics(
    [property: Id(0)] long Passages,
    [property: Id(1)] IReadOnlyList<long> DocumentFrequencies);

/// <summary>A hit without its text or vector: shards return these, the collection fetches only the passages it keeps.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardHit(
    [property: Id(0)] string PassageId,
    [property: Id(1)] string DocumentId,
    [property: Id(2)] double Score);

[GenerateSerializer, Immutable]
public sealed record ShardHits(
    [property: Id(0)] IReadOnlyList<ShardHit> Dense,
    [property: Id(1)] IReadOnlyList<ShardHit> Lexical);

/// <summary>What a compaction did: segments merged into how many, passages kept and tombstoned passages dropped.</summary>
[GenerateSerializer, Immutable]
public sealed record CompactionResult(
    [property: Id(0)] int SegmentsMerged,
    [property: Id(1)] int SegmentsWritten,
    [property: Id(2)] int PassagesKept,
    [property: Id(3)] int PassagesDropped)
{
    public static CompactionResult None { get; } = new(0, 0, 0, 0);

    public CompactionResult Add(CompactionResult other) =>
        new(SegmentsMerged + other.SegmentsMerged, SegmentsWritten + other.SegmentsWritten, PassagesKept + other.PassagesKept, PassagesDropped + other.PassagesDropped);
}
