namespace Orleans.SpecRag;

/// <summary>How a query is answered.</summary>
[GenerateSerializer]
public enum QueryMode
{
    /// <summary>Speculative RAG: parallel drafts from the specialist, scored by the generalist.</summary>
    Speculative,

    /// <summary>The paper's baseline: the generalist answers from all retrieved passages at once.</summary>
    Standard,
}

/// <summary>How the passage subsets of the drafts are chosen (one passage of every cluster in each).</summary>
[GenerateSerializer]
public enum SubsetSampling
{
    /// <summary>The paper's: distinct subsets drawn at random.</summary>
    Paper,

    /// <summary>Beyond the paper: the subsets cover as many of the top-ranked passages as they can before any repeats.</summary>
    Coverage,
}

/// <summary>A document supplied inline with a query; it is used as one retrieved passage.</summary>
[GenerateSerializer, Immutable]
public sealed record InlineDocument(
    [property: Id(0)] string? Id,
    [property: Id(1)] string? Title,
    [property: Id(2)] string Text);

/// <summary>
/// Real retriever output as a query can use it: a document whose text is empty stands for its title (retrievers emit
/// title-only passages, such as category pages), and one with neither is left out and named.
/// </summary>
public static class InlineDocuments
{
    public static (IReadOnlyList<InlineDocument> Usable, IReadOnlyList<string> Skipped) Prepare(IReadOnlyList<InlineDocument> documents)
    {
        var usable = new List<InlineDocument>(documents.Count);
        var skipped = new List<string>();
        for (var i = 0; i < documents.Count; i++)
        {
            // A document without an id is named by its position in the request, not among the usable ones.
            var document = string.IsNullOrWhiteSpace(documents[i].Id) ? documents[i] with { Id = $"doc-{i + 1}" } : documents[i];
            if (!string.IsNullOrWhiteSpace(document.Text))
            {
                usable.Add(document);
            }
            else if (!string.IsNullOrWhiteSpace(document.Title))
            {
                usable.Add(document with { Text = document.Title.Trim() });
            }
            else
            {
                skipped.Add(string.IsNullOrWhiteSpace(documents[i].Id) ? $"documents[{i}]" : document.Id!);
            }
        }

        return (usable, skipped);
    }
}

/// <summary>A validated query with every default applied.</summary>
[GenerateSerializer, Immutable]
public sealed record QueryRequest
{
    [Id(0)] public required string Question { get; init; }
    [Id(1)] public string Collection { get; init; } = QueryDefaults.Collection;
    [Id(2)] public IReadOnlyList<InlineDocument>? Documents { get; init; }
    [Id(3)] public int TopK { get; init; } = QueryDefaults.TopK;
    [Id(4)] public int Drafts { get; init; } = QueryDefaults.Drafts;
    [Id(5)] public int DocsPerDraft { get; init; } = QueryDefaults.DocsPerDraft;
    [Id(6)] public QueryMode Mode { get; init; } = QueryMode.Speculative;
    [Id(7)] public int Seed { get; init; } = QueryDefaults.Seed;
    [Id(8)] public string? TraceId { get; init; }

    /// <summary>The answer is due this many milliseconds after the query starts; null takes the configured default.</summary>
    [Id(9)] public int? DeadlineMs { get; init; }

    /// <summary>How to retrieve from the collection; null takes the configured default (<c>SpecRag:Retrieval:DefaultMode</c>).</summary>
    [Id(10)] public RetrievalMode? Retrieval { get; init; }

    /// <summary>
    /// When the answer is due, fixed by the gateway when the request arrived: a query sent again after a fault keeps
    /// the deadline of the first attempt. Null: <see cref="DeadlineMs"/> from when the query grain starts.
    /// </summary>
    [Id(11)] public DateTimeOffset? DeadlineAt { get; init; }

    /// <summary>How the drafts' passage subsets are chosen; null takes the configured default (<c>SpecRag:Query:Sampling</c>).</summary>
    [Id(12)] public SubsetSampling? Sampling { get; init; }

    /// <summary>Inline documents left out because they had neither text nor title (their ids, or <c>documents[i]</c>).</summary>
    [Id(13)] public IReadOnlyList<string> SkippedDocuments { get; init; } = [];
}

/// <summary>The paper's defaults (top-10 passages, m = 5 drafts, k = 2 passages per draft) and the API's bounds.</summary>
public static class QueryDefaults
{
    public const string Collection = "docs";
    public const int TopK = 10;
    public const int Drafts = 5;
    public const int DocsPerDraft = 2;
    public const int Seed = 0;

    public const int MaxQuestionLength = 4000;
    public const int MaxTopK = 100;
    public const int MaxDrafts = 32;
    public const int MaxInlineDocuments = 100;
    public const int MaxDocumentTextLength = 100_000;
    public const int MinDeadlineMs = 100;
    public const int MaxDeadlineMs = 300_000;
}

/// <summary>A retrieved passage as it travels between grains.</summary>
[GenerateSerializer, Immutable]
public sealed record Passage(
    [property: Id(0)] string Id,
    [property: Id(1)] string DocumentId,
    [property: Id(2)] string? Title,
    [property: Id(3)] string Text,
    [property: Id(4)] float[] Embedding,
    [property: Id(5)] double Score)
{
    /// <summary>1-based rank among the collection's dense hits, when it was one.</summary>
    [Id(6)] public int? DenseRank { get; init; }

    /// <summary>1-based rank among the collection's BM25 hits, when it was one.</summary>
    [Id(7)] public int? LexicalRank { get; init; }
}

/// <summary>
/// Natural-log probabilities (all ≤ 0); <see cref="Total"/> is their sum and drives selection.
/// <see cref="SelfConsistency"/> is null when the verifier cannot compute it exactly (e.g. a chat endpoint
/// without prompt log-probabilities): no score is ever invented, and <c>scoring</c> in the result says which
/// method was used.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DraftScores(
    [property: Id(0)] double Draft,
    [property: Id(1)] double? SelfConsistency,
    [property: Id(2)] double SelfReflection)
{
    /// <summary>log P(β | Q, δ): the rationale part of <see cref="Draft"/>.</summary>
    [Id(3)] public double? DraftRationale { get; init; }

    /// <summary>log P(α | Q, δ, β): the answer part of <see cref="Draft"/>.</summary>
    [Id(4)] public double? DraftAnswer { get; init; }

    public double Total => Draft + (SelfConsistency ?? 0) + SelfReflection;
}

/// <summary>
/// Sentence embeddings a model already computed for the texts of its draft (the question and the rationale's
/// sentences), by embedding model, so a verifier that embeds with the same model need not compute them again.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TextEmbeddings(
    [property: Id(0)] string Model,
    [property: Id(1)] IReadOnlyDictionary<string, float[]> Vectors);

/// <summary>One draft: an answer α and rationale β written by the drafter from one passage subset.</summary>
[GenerateSerializer, Immutable]
public sealed record Draft
{
    [Id(0)] public required int Index { get; init; }
    [Id(1)] public required string Answer { get; init; }
    [Id(2)] public required string Rationale { get; init; }
    [Id(3)] public required IReadOnlyList<string> DocumentIds { get; init; }

    /// <summary>ρ_Draft as a natural-log probability; the verifier adds ρ_SC and ρ_SR to it.</summary>
    [Id(4)] public required double DraftScore { get; init; }

    /// <summary>log P(β | Q, δ), when the model reports it.</summary>
    [Id(8)] public double? RationaleLogProb { get; init; }

    /// <summary>log P(α | Q, δ, β), when the model reports it.</summary>
    [Id(9)] public double? AnswerLogProb { get; init; }

    /// <summary>False when the output did not follow the rationale/response format; the raw text is then the answer.</summary>
    [Id(10)] public bool Parsed { get; init; } = true;

    /// <summary>The drafter's embeddings of its own texts, handed to the verifier (never returned to callers).</summary>
    [Id(11)] public TextEmbeddings? Embeddings { get; init; }

    [Id(5)] public required double LatencyMs { get; init; }
    [Id(6)] public required string Silo { get; init; }
    [Id(7)] public required string Model { get; init; }
}

/// <summary>A draft together with the verifier's scores, as returned to the caller.</summary>
[GenerateSerializer, Immutable]
public sealed record ScoredDraft(
    [property: Id(0)] int Index,
    [property: Id(1)] string Answer,
    [property: Id(2)] string Rationale,
    [property: Id(3)] IReadOnlyList<string> DocumentIds,
    [property: Id(4)] DraftScores Scores,
    [property: Id(5)] double LatencyMs,
    [property: Id(6)] string Silo)
{
    /// <summary>False when the drafter's output could not be split into rationale and answer.</summary>
    [Id(7)] public bool Parsed { get; init; } = true;
}

[GenerateSerializer, Immutable]
public sealed record Citation(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Title)
{
    /// <summary>The passage's rank among the dense hits of the retrieval, when it was one.</summary>
    [Id(2)] public int? DenseRank { get; init; }

    /// <summary>The passage's rank among the lexical (BM25) hits of the retrieval, when it was one.</summary>
    [Id(3)] public int? LexicalRank { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record QueryTimings(
    [property: Id(0)] double RetrievalMs,
    [property: Id(1)] double ClusteringMs,
    [property: Id(2)] double DraftingMs,
    [property: Id(3)] double VerificationMs,
    [property: Id(4)] double TotalMs);

/// <summary>Which models produced an answer, named honestly (e.g. <c>extractive/all-MiniLM-L6-v2</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record ModelNames(
    [property: Id(0)] string? Drafter,
    [property: Id(1)] string Verifier);

/// <summary>The answer to a query together with everything needed to audit it.</summary>
[GenerateSerializer, Immutable]
public sealed record QueryResult
{
    [Id(0)] public string Id { get; init; } = string.Empty;
    [Id(1)] public string Question { get; init; } = string.Empty;
    [Id(2)] public required string Answer { get; init; }
    [Id(3)] public required string Rationale { get; init; }
    [Id(4)] public required QueryMode Mode { get; init; }
    [Id(5)] public required IReadOnlyList<Citation> Citations { get; init; }
    [Id(6)] public int? SelectedDraft { get; init; }
    [Id(7)] public required IReadOnlyList<ScoredDraft> Drafts { get; init; }
    [Id(8)] public required QueryTimings Timings { get; init; }
    [Id(9)] public required ModelNames Models { get; init; }
    [Id(10)] public string? TraceId { get; init; }
    /// <summary>The collection retrieved from; null when the request carried its own documents.</summary>
    [Id(11)] public string? Collection { get; init; }
    [Id(12)] public required string VerifierSilo { get; init; }
    [Id(13)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// How the verifier computed its scores: <c>extractive</c>, <c>teacher-forced</c> (exact ρ_SC and ρ_SR from
    /// prompt log-probabilities) or <c>chat-logprobs</c> (ρ_SR from a one-token Yes/No answer, ρ_SC null).
    /// </summary>
    [Id(15)] public string? Scoring { get; init; }

    /// <summary>Drafts whose model call failed; the answer was chosen from the others.</summary>
    [Id(14)] public IReadOnlyList<DraftFailure> FailedDrafts { get; init; } = [];

    /// <summary>True when the deadline came before every draft did: the answer was chosen from the drafts that arrived.</summary>
    [Id(16)] public bool Partial { get; init; }

    /// <summary>Drafts still running at the deadline (they were cancelled).</summary>
    [Id(17)] public IReadOnlyList<DraftFailure> MissingDrafts { get; init; } = [];

    /// <summary>Drafts that were sent a second time to another drafter silo because they were late.</summary>
    [Id(18)] public IReadOnlyList<int> HedgedDrafts { get; init; } = [];

    /// <summary>How the passages were retrieved from the collection; null when the request carried its own documents.</summary>
    [Id(19)] public RetrievalMode? Retrieval { get; init; }

    /// <summary>How the drafts' passage subsets were chosen; null in standard mode.</summary>
    [Id(20)] public SubsetSampling? Sampling { get; init; }

    /// <summary>Inline documents that were not used because they had neither text nor title.</summary>
    [Id(21)] public IReadOnlyList<string> SkippedDocuments { get; init; } = [];
}

/// <summary>A draft that produced no result, with the reason.</summary>
[GenerateSerializer, Immutable]
public sealed record DraftFailure(
    [property: Id(0)] int Index,
    [property: Id(1)] IReadOnlyList<string> DocumentIds,
    [property: Id(2)] string Error);
