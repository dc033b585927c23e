using Orleans.Concurrency;

namespace Orleans.SpecRag;

/// <summary>
/// Orchestrates one query (keyed by its id): retrieve, cluster, sample, fan out drafts, verify, persist.
/// </summary>
public interface IQueryGrain : IGrainWithStringKey
{
    /// <summary>Runs the query, or returns its stored result when it already ran; cancelling stops its drafts.</summary>
    Task<QueryResult> RunAsync(QueryRequest request, CancellationToken cancellationToken = default);

    /// <summary>The same query, as it happens: passages retrieved, each draft as it finishes, the scores, the answer.</summary>
    IAsyncEnumerable<QueryEvent> StreamAsync(QueryRequest request);

    /// <summary>The stored result, or null when no query with this id has run.</summary>
    Task<QueryResult?> GetResultAsync();
}

/// <summary>Writes one draft from one passage subset. Stateless; placed only on drafter silos.</summary>
public interface IDrafterGrain : IGrainWithIntegerKey
{
    Task<Draft> DraftAsync(DraftTask task, CancellationToken cancellationToken = default);
}

/// <summary>Scores drafts without seeing the passages, and answers standard-RAG queries. Placed only on verifier silos.</summary>
public interface IVerifierGrain : IGrainWithIntegerKey
{
    Task<VerificationResult> VerifyAsync(string question, IReadOnlyList<Draft> drafts);

    Task<StandardAnswer> AnswerAsync(string question, IReadOnlyList<Passage> passages);
}

/// <summary>
/// A named collection of documents, split into passages and embedded once at ingestion. It routes each
/// document to one of its shards (fixed when the collection is created) and searches all shards at once.
/// </summary>
public interface ICollectionGrain : IGrainWithStringKey
{
    Task<IngestResult> UpsertAsync(IReadOnlyList<IngestDocument> documents);

    /// <summary>Removes a document; false when it was not there.</summary>
    Task<bool> DeleteDocumentAsync(string documentId);

    /// <summary>
    /// Removes the documents made from an earlier upload of a file (metadata <c>file</c>) that are not in
    /// <paramref name="keep"/>: a PDF sent again with fewer pages leaves no stale pages. Returns how many.
    /// </summary>
    Task<int> DeleteFileDocumentsAsync(string file, IReadOnlyList<string> keep);

    /// <summary>The collection's size, or null when it was never created.</summary>
    /// <remarks>Reads interleave with a running ingestion: they only scan an immutable in-memory index.</remarks>
    [AlwaysInterleave]
    Task<CollectionInfo?> GetInfoAsync();

    /// <summary>Every shard's size and silo, or null when the collection was never created.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<ShardStatus>?> GetShardsAsync();

    /// <summary>The collection's best <see cref="RetrievalQuery.TopK"/> passages for a query, best first.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<Passage>> SearchAsync(RetrievalQuery query);

    /// <summary>Merges small segments and drops deleted passages in every shard now, instead of at the next background check.</summary>
    Task<CompactionResult> CompactAsync();
}

/// <summary>The names of all collections (key 0).</summary>
public interface ICollectionCatalogGrain : IGrainWithIntegerKey
{
    Task AddAsync(string name);

    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListAsync();
}

/// <summary>One shard of a collection (key <c>{collection}/{shard}</c>); only <see cref="ICollectionGrain"/> calls it.</summary>
public interface ICollectionShardGrain : IGrainWithStringKey
{
    Task<IngestResult> UpsertAsync(IReadOnlyList<IngestDocument> documents);

    Task<bool> DeleteDocumentAsync(string documentId);

    Task<int> DeleteFileDocumentsAsync(string file, IReadOnlyList<string> keep);

    [AlwaysInterleave]
    Task<CollectionInfo> GetInfoAsync();

    /// <summary>The shard's size and the silo that hosts it.</summary>
    [AlwaysInterleave]
    Task<ShardStatus> GetStatusAsync();

    /// <summary>The shard's best hits of each kind the query's mode asks for; empty when it holds none.</summary>
    [AlwaysInterleave]
    Task<ShardHits> SearchAsync(ShardSearch search);

    /// <summary>Document frequencies of analysed terms in this shard's lexical index, for feedback term weights.</summary>
    [AlwaysInterleave]
    Task<TermStatistics> GetTermStatisticsAsync(IReadOnlyList<string> terms);

    /// <summary>The live passages with these ids, with their texts and vectors (ids no longer live are left out).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<Passage>> GetPassagesAsync(IReadOnlyList<string> passageIds);

    /// <summary>Runs the compaction policy once; searches and ingestion continue meanwhile.</summary>
    [AlwaysInterleave]
    Task<CompactionResult> CompactAsync();
}

[GenerateSerializer, Immutable]
public sealed record DraftTask(
    [property: Id(0)] int Index,
    [property: Id(1)] string Question,
    [property: Id(2)] IReadOnlyList<Passage> Passages)
{
    /// <summary>When the query stops waiting for this draft; the drafter stops its model call then.</summary>
    [Id(3)] public DateTimeOffset? Deadline { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record VerificationResult(
    [property: Id(0)] IReadOnlyList<DraftScores> Scores,
    [property: Id(1)] string Silo,
    [property: Id(2)] string Model,
    [property: Id(3)] string Scoring);

[GenerateSerializer, Immutable]
public sealed record StandardAnswer(
    [property: Id(0)] string Answer,
    [property: Id(1)] string Rationale,
    [property: Id(2)] IReadOnlyList<string> DocumentIds,
    [property: Id(3)] string Silo,
    [property: Id(4)] string Model);
