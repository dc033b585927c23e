namespace Orleans.SpecRag;

/// <summary>A document to ingest into a collection; it is split into ~100-word passages.</summary>
[GenerateSerializer, Immutable]
public sealed record IngestDocument(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Title,
    [property: Id(2)] string Text,
    [property: Id(3)] IReadOnlyDictionary<string, string>? Metadata);

[GenerateSerializer, Immutable]
public sealed record IngestResult(
    [property: Id(0)] string Collection,
    [property: Id(1)] int Added,
    [property: Id(2)] int Updated,
    [property: Id(3)] int Passages);

/// <summary>One shard of a collection as it is now: its size and the silo its activation lives on.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardStatus(
    [property: Id(0)] int Shard,
    [property: Id(1)] int Documents,
    [property: Id(2)] int Passages,
    [property: Id(3)] string Silo);

[GenerateSerializer, Immutable]
public sealed record CollectionInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] int Documents,
    [property: Id(2)] int Passages);
