namespace Orleans.SpecRag.Retrieval;

/// <summary>What a collection persists: its documents, each with its passages and their embeddings.</summary>
[GenerateSerializer]
public sealed class CollectionState
{
    [Id(0)] public bool Created { get; set; }
    [Id(1)] public Dictionary<string, StoredDocument> Documents { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public string? EmbeddingModel { get; set; }
}

[GenerateSerializer]
public sealed record StoredDocument(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Title,
    [property: Id(2)] IReadOnlyDictionary<string, string>? Metadata,
    [property: Id(3)] string ContentHash,
    [property: Id(4)] IReadOnlyList<StoredPassage> Passages);

[GenerateSerializer]
public sealed record StoredPassage(
    [property: Id(0)] string Id,
    [property: Id(1)] string Text,
    [property: Id(2)] float[] Embedding);
