namespace Orleans.SpecRag;

/// <summary>No active silo offers a role the query needs (e.g. no drafter silo is up).</summary>
[GenerateSerializer]
public sealed class RoleUnavailableException(string role)
    : Exception($"No active silo has the '{role}' role, so the query cannot run. Start a silo with SpecRag:Roles containing '{role}'.")
{
    [Id(0)] public string Role { get; } = role;
}

/// <summary>The query names a collection that does not exist.</summary>
[GenerateSerializer]
public sealed class CollectionNotFoundException(string collection)
    : Exception($"Collection '{collection}' does not exist. Ingest documents into it first (POST /v1/collections/{collection}/documents).")
{
    [Id(0)] public string Collection { get; } = collection;
}

/// <summary>The collection exists but holds no passages to retrieve.</summary>
[GenerateSerializer]
public sealed class EmptyCollectionException(string collection)
    : Exception($"Collection '{collection}' has no passages to retrieve from.")
{
    [Id(0)] public string Collection { get; } = collection;
}

/// <summary>Every draft of a query failed, so there is nothing to verify.</summary>
[GenerateSerializer]
public sealed class DraftsFailedException(IReadOnlyList<DraftFailure> failures)
    : Exception($"All {failures.Count} drafts failed; the first error: {failures.FirstOrDefault()?.Error}")
{
    [Id(0)] public IReadOnlyList<DraftFailure> Failures { get; } = failures;
}
