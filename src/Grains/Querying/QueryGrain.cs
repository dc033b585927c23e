using System.Diagnostics;
using System.Numerics.Tensors;
using Orleans.SpecRag.Clustering;
using Orleans.SpecRag.Drafting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Telemetry;
using Orleans.SpecRag.Verification;

namespace Orleans.SpecRag.Querying;

/// <summary>
/// Runs one query through the paper's Algorithm 1 and keeps its result: retrieve the top-K passages,
/// cluster them into k groups, sample m subsets with one passage per group, draft all m in parallel on
/// drafter silos, score the drafts on a verifier silo and return the argmax.
/// </summary>
[CollectionAgeLimit(Minutes = 5), AvoidDrafterSilos]
public sealed class QueryGrain(
    [PersistentState("query", SpecRagStorage.Name)] IPersistentState<QueryRecord> state,
    IEmbedder embedder,
    SiloRoleDirectory roles,
    DraftDispatcher dispatcher,
    ILogger<QueryGrain> logger) : Grain, IQueryGrain
{
    /// <summary>How long drafts, retries on other drafter silos included, may take.</summary>
    public static readonly TimeSpan DraftDeadline = TimeSpan.FromSeconds(25);

    public Task<QueryResult?> GetResultAsync() => Task.FromResult(state.State.Result);

    public async Task<QueryResult> RunAsync(QueryRequest request)
    {
        if (state.State.Result is { } done)
        {
            return done; // A retried call must not run (and bill) the query twice.
        }

        using var scope = logger.BeginScope("QueryId: {QueryId}", this.GetPrimaryKeyString());
        using var activity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.query");
        activity?.SetTag("specrag.query.id", this.GetPrimaryKeyString());
        activity?.SetTag("specrag.mode", request.Mode.ToString().ToLowerInvariant());
        var started = Stopwatch.GetTimestamp();

        await roles.EnsureAvailableAsync(SiloRoles.Verifier);
        if (request.Mode == QueryMode.Speculative)
        {
            await roles.EnsureAvailableAsync(SiloRoles.Drafter);
        }

        var phase = Stopwatch.GetTimestamp();
        var passages = await RetrieveAsync(request);
        var retrievalMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        var answer = request.Mode == QueryMode.Standard
            ? await AnswerStandardAsync(request, passages, retrievalMs)
            : await AnswerSpeculativeAsync(request, passages, retrievalMs);
        var result = answer with
        {
            Id = this.GetPrimaryKeyString(),
            Question = request.Question,
            TraceId = request.TraceId ?? Activity.Current?.TraceId.ToString(),
            Collection = request.Documents is { Count: > 0 } ? null : request.Collection,
            CreatedAt = DateTimeOffset.UtcNow,
            Timings = answer.Timings with { TotalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds },
        };

        state.State.Result = result;
        await state.WriteStateAsync();
        SpecRagTelemetry.QueryDuration.Record(result.Timings.TotalMs, new KeyValuePair<string, object?>("mode", activity?.GetTagItem("specrag.mode")));
        logger.LogInformation("Query {QueryId} answered in {TotalMs:F0} ms from {Drafts} drafts ({Failed} failed)",
            result.Id, result.Timings.TotalMs, result.Drafts.Count, result.FailedDrafts.Count);
        return result;
    }

    private async Task<IReadOnlyList<Passage>> RetrieveAsync(QueryRequest request)
    {
        using var activity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.retrieve");
        activity?.SetTag("specrag.top_k", request.TopK);

        if (request.Documents is { Count: > 0 } documents)
        {
            // The paper's benchmark setting: the request carries its retrieved passages, in retriever order.
            var chosen = documents.Take(request.TopK).ToArray();
            var ids = chosen.Select((d, i) => string.IsNullOrWhiteSpace(d.Id) ? $"doc-{i + 1}" : d.Id).ToArray();
            var vectors = await embedder.EmbedAsync([request.Question, .. chosen.Select(d => Retrieval.CollectionShardGrain.PassageText(d.Title, d.Text))]);
            activity?.SetTag("specrag.source", "request");
            return chosen.Select((d, i) => new Passage(ids[i], ids[i], d.Title, d.Text, vectors[i + 1], TensorPrimitives.Dot(vectors[0], vectors[i + 1]))).ToArray();
        }

        activity?.SetTag("specrag.collection", request.Collection);
        var question = await embedder.EmbedAsync(request.Question);
        return await GrainFactory.GetGrain<ICollectionGrain>(request.Collection).SearchAsync(question, request.TopK);
    }

    private async Task<QueryResult> AnswerSpeculativeAsync(QueryRequest request, IReadOnlyList<Passage> passages, double retrievalMs)
    {
        var phase = Stopwatch.GetTimestamp();
        IReadOnlyList<int[]> subsets;
        using (var clusterActivity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.cluster"))
        {
            var k = Math.Min(request.DocsPerDraft, passages.Count);
            var clusters = KMeans.Cluster(passages.Select(p => p.Embedding).ToArray(), k, request.Seed).Clusters;
            subsets = SubsetSampler.Sample(clusters, request.Drafts, request.Seed);
            clusterActivity?.SetTag("specrag.clusters", k);
            clusterActivity?.SetTag("specrag.subsets", subsets.Count);
        }

        var clusteringMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        phase = Stopwatch.GetTimestamp();
        // Start at a random drafter so that concurrent queries do not all begin on the same silo.
        var offset = Random.Shared.Next(1024);
        var deadline = DateTimeOffset.UtcNow + DraftDeadline;
        var tasks = subsets.Select((subset, index) => dispatcher.DraftAsync(
            new DraftTask(index, request.Question, subset.Select(i => passages[i]).ToArray()), offset + index, deadline)).ToArray();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch
        {
            // Each draft's outcome is inspected below; one failure must not sink the others.
        }

        var drafts = tasks.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToArray();
        var failures = tasks.Select((t, i) => (t, i)).Where(x => !x.t.IsCompletedSuccessfully)
            .Select(x => new DraftFailure(x.i, subsets[x.i].Select(j => passages[j].Id).ToArray(), Describe(x.t.Exception)))
            .ToArray();
        var draftingMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;
        if (drafts.Length == 0)
        {
            throw new DraftsFailedException(failures);
        }

        phase = Stopwatch.GetTimestamp();
        var verification = await GrainFactory.GetGrain<IVerifierGrain>(0).VerifyAsync(request.Question, drafts);
        var verificationMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        var best = DraftSelector.SelectBest(verification.Scores);
        var selected = drafts[best];
        var scored = drafts.Select((d, i) => new ScoredDraft(d.Index, d.Answer, d.Rationale, d.DocumentIds, verification.Scores[i], d.LatencyMs, d.Silo) { Parsed = d.Parsed }).ToArray();
        return new QueryResult
        {
            Answer = selected.Answer,
            Rationale = selected.Rationale,
            Mode = QueryMode.Speculative,
            Citations = Cite(selected.DocumentIds, passages),
            SelectedDraft = selected.Index,
            Drafts = scored,
            FailedDrafts = failures,
            Timings = new QueryTimings(retrievalMs, clusteringMs, draftingMs, verificationMs, TotalMs: 0),
            Models = new ModelNames(drafts.Select(d => d.Model).Distinct().Order().Aggregate((a, b) => $"{a}, {b}"), verification.Model),
            VerifierSilo = verification.Silo,
            Scoring = verification.Scoring,
        };
    }

    private async Task<QueryResult> AnswerStandardAsync(QueryRequest request, IReadOnlyList<Passage> passages, double retrievalMs)
    {
        var phase = Stopwatch.GetTimestamp();
        var answer = await GrainFactory.GetGrain<IVerifierGrain>(0).AnswerAsync(request.Question, passages);
        var verificationMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;
        return new QueryResult
        {
            Answer = answer.Answer,
            Rationale = answer.Rationale,
            Mode = QueryMode.Standard,
            Citations = Cite(answer.DocumentIds, passages),
            SelectedDraft = null,
            Drafts = [],
            Timings = new QueryTimings(retrievalMs, 0, 0, verificationMs, TotalMs: 0),
            Models = new ModelNames(null, answer.Model),
            VerifierSilo = answer.Silo,
        };
    }

    private static IReadOnlyList<Citation> Cite(IReadOnlyList<string> passageIds, IReadOnlyList<Passage> passages) =>
        passageIds.Select(id => passages.First(p => p.Id == id)).Select(p => new Citation(p.Id, p.Title)).ToArray();

    private static string Describe(Exception? exception) => exception?.GetBaseException() switch
    {
        null => "The draft did not complete.",
        TimeoutException => "The drafter did not answer in time.",
        var e => $"{e.GetType().Name}: {e.Message}",
    };
}
