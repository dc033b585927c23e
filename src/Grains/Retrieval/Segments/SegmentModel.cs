using System.Text.Json.Serialization;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>A document as it goes into a segment: its passages already embedded.</summary>
public sealed record SegmentDocument(
    string Id,
    string? Title,
    IReadOnlyDictionary<string, string>? Metadata,
    string ContentHash,
    IReadOnlyList<SegmentPassage> Passages);

/// <summary>One passage of a document with its unit-length embedding.</summary>
public sealed record SegmentPassage(string Id, string Text, float[] Vector);

/// <summary>A document's entry in an opened segment: where its passages are.</summary>
public sealed record SegmentDocumentEntry(
    string Id,
    string? Title,
    IReadOnlyDictionary<string, string>? Metadata,
    string ContentHash,
    int FirstPassage,
    int PassageCount);

/// <summary>What a segment says about itself (<c>segment.json</c>); written last, so a segment without it is incomplete.</summary>
public sealed record SegmentInfo(
    string Id,
    int Documents,
    int Passages,
    int Dimensions,
    string EmbeddingModel,
    bool HasAnnIndex,
    DateTimeOffset CreatedAt);

/// <summary>
/// A shard's manifest: the only mutable record of a shard. It lists the live segments and, per segment, the
/// documents deleted or replaced since it was written (tombstones). Written with an ETag so two writers
/// cannot lose each other's segments.
/// </summary>
public sealed record ShardManifest
{
    public int Version { get; init; }

    public string? EmbeddingModel { get; init; }

    public IReadOnlyList<ManifestSegment> Segments { get; init; } = [];

    [JsonIgnore]
    public int Passages => Segments.Sum(s => s.Passages);

    public static ShardManifest Empty { get; } = new();
}

/// <summary>A live segment and the ids of its documents that are no longer visible.</summary>
public sealed record ManifestSegment(string Id, int Documents, int Passages, IReadOnlyList<string> Tombstones, int DeletedPassages)
{
    [JsonIgnore]
    public int LivePassages => Passages - DeletedPassages;

    public ManifestSegment WithTombstone(string documentId, int passages) =>
        this with { Tombstones = [.. Tombstones, documentId], DeletedPassages = DeletedPassages + passages };
}

/// <summary>A collection's own record: that it exists and how many shards it routes documents to.</summary>
public sealed record CollectionRecord(int Shards, DateTimeOffset CreatedAt);
