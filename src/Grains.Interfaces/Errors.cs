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

/// <summary>The collection has passages, but none matches the question under the chosen retrieval (e.g. lexical, no shared word).</summary>
[GenerateSerializer]
public sealed class NoMatchingPassagesException(string collection, RetrievalMode mode)
    : Exception($"No passage of collection '{collection}' matches the question with {mode.ToString().ToLowerInvariant()} retrieval; try \"retrieval\": \"hybrid\" or \"dense\".")
{
    [Id(0)] public string Collection { get; } = collection;

    [Id(1)] public RetrievalMode Mode { get; } = mode;
}

/// <summary>Every draft of a query failed, so there is nothing to verify.</summary>
[GenerateSerializer]
public sealed class DraftsFailedException(IReadOnlyList<DraftFailure> failures)
    : Exception($"All {failures.Count} drafts failed; the first error: {failures.FirstOrDefault()?.Error}")
{
    [Id(0)] public IReadOnlyList<DraftFailure> Failures { get; } = failures;
}

/// <summary>The deadline passed before any draft arrived, so there is nothing to verify.</summary>
[GenerateSerializer]
public sealed class DeadlineExceededException(int deadlineMs, IReadOnlyList<DraftFailure> missing)
    : Exception($"No draft arrived within the deadline of {deadlineMs} ms ({missing.Count} drafts were still running).")
{
    [Id(0)] public int DeadlineMs { get; } = deadlineMs;

    [Id(1)] public IReadOnlyList<DraftFailure> Missing { get; } = missing;
}

/// <summary>Every drafter silo is at its bound of drafts in flight; the client should retry later.</summary>
[GenerateSerializer]
public sealed class DraftersBusyException(int maxInFlight)
    : Exception($"Every drafter silo is running its maximum of {maxInFlight} drafts; retry shortly.")
{
    [Id(0)] public int MaxInFlight { get; } = maxInFlight;
}
