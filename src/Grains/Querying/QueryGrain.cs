using Microsoft.Extensions.AI;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orleans.SpecRag.Drafting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Telemetry;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Querying;

/// <summary>
/// Runs one query through the paper's Algorithm 1 and keeps its result: retrieve the top-K passages,
/// cluster them into k groups, sample m subsets with one passage per group, draft all m in parallel on
/// drafter silos, score the drafts on a verifier silo and return the argmax. Every step is also an event,
/// so callers can watch drafts arrive; the deadline cuts drafting short and stragglers can be hedged.
/// </summary>
[CollectionAgeLimit(Minutes = 5), AvoidDrafterSilos]
public sealed class QueryGrain(
    [PersistentState("query", SpecRagStorage.Name)] IPersistentState<QueryRecord> state,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    SiloRoleDirectory roles,
    DraftDispatcher dispatcher,
    IOptions<QueryOptions> options,
    IOptions<Retrieval.RetrievalOptions> retrievalOptions,
    ILogger<QueryGrain> logger) : Grain, IQueryGrain
{
    // The run in progress, so that a query sent again while it runs joins it instead of running (and billing) twice.
    private Task<QueryResult>? _running;

    public Task<QueryResult?> GetResultAsync() => Task.FromResult(state.State.Result);

    public async Task<QueryResult> RunAsync(QueryRequest request, CancellationToken cancellationToken = default)
    {
        QueryResult? result = null;
        await foreach (var update in ExecuteAsync(request, cancellationToken))
        {
            if (update is AnswerEvent answer)
            {
                result = answer.Result;
            }
        }

        return result ?? throw new InvalidOperationException("The query ended without an answer.");
    }

    public IAsyncEnumerable<QueryEvent> StreamAsync(QueryRequest request) => ExecuteAsync(request, CancellationToken.None);

    private async IAsyncEnumerable<QueryEvent> ExecuteAsync(QueryRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (state.State.Result is { } done)
        {
            // A retried call must not run (and bill) the query twice.
            yield return new AnswerEvent(done) { ElapsedMs = done.Timings.TotalMs };
            yield break;
        }

        if (_running is { IsCompleted: false } running)
        {
            // The same query arrived again while it runs (a caller re-sent it after a fault): it joins that run.
            var joined = await running.WaitAsync(cancellationToken);
            yield return new AnswerEvent(joined) { ElapsedMs = joined.Timings.TotalMs };
            yield break;
        }

        // The pipeline writes events as they happen; this loop hands them out. A channel keeps the pipeline's
        // error handling in ordinary try/catch code, which an iterator cannot have around its yields.
        var events = Channel.CreateUnbounded<QueryEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pipeline = RunPipelineAsync(request, events.Writer, run.Token);
        _running = pipeline;
        try
        {
            await foreach (var update in events.Reader.ReadAllAsync(cancellationToken))
            {
                yield return update;
            }
        }
        finally
        {
            if (!pipeline.IsCompleted)
            {
                // The reader went away (a closed SSE stream disposes its enumerator): its drafts stop, nothing is stored.
                await run.CancelAsync();
                await pipeline.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Current);
            }
        }

        await pipeline; // Surfaces the pipeline's exception with its own type (503, 504, 404 …).
    }

    private async Task<QueryResult> RunPipelineAsync(QueryRequest request, ChannelWriter<QueryEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            var result = await AnswerAsync(request, events, cancellationToken);
            // A caller that went away while it was verified gets nothing stored: nobody will read it.
            cancellationToken.ThrowIfCancellationRequested();
            state.State.Result = result;
            await state.WriteStateAsync();
            events.TryWrite(new AnswerEvent(result) { ElapsedMs = result.Timings.TotalMs });
            events.TryComplete();
            return result;
        }
        catch
        {
            events.TryComplete();
            throw;
        }
    }

    private async Task<QueryResult> AnswerAsync(QueryRequest request, ChannelWriter<QueryEvent> events, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope("QueryId: {QueryId}", this.GetPrimaryKeyString());
        using var activity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.query");
        activity?.SetTag("specrag.query.id", this.GetPrimaryKeyString());
        activity?.SetTag("specrag.mode", request.Mode.ToString().ToLowerInvariant());
        var started = Stopwatch.GetTimestamp();
        // The deadline the caller asked for; a query sent again after a fault keeps the first attempt's (DeadlineAt).
        var deadlineMs = request.DeadlineMs ?? options.Value.DefaultDeadlineMs;
        var deadline = request.DeadlineAt ?? DateTimeOffset.UtcNow.AddMilliseconds(deadlineMs);
        double Elapsed() => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        await roles.EnsureAvailableAsync(SiloRoles.Verifier, cancellationToken);
        if (request.Mode == QueryMode.Speculative)
        {
            await roles.EnsureAvailableAsync(SiloRoles.Drafter, cancellationToken);
        }

        var phase = Stopwatch.GetTimestamp();
        var passages = await RetrieveAsync(request);
        var retrievalMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;
        events.TryWrite(new RetrievedEvent(passages.Select(SpeculativePipeline.Cite).ToArray()) { ElapsedMs = Elapsed() });

        var answer = request.Mode == QueryMode.Standard
            ? await AnswerStandardAsync(request, passages, retrievalMs)
            : await AnswerSpeculativeAsync(request, passages, retrievalMs, deadlineMs, deadline, events, Elapsed, cancellationToken);
        var result = answer with
        {
            Id = this.GetPrimaryKeyString(),
            Question = request.Question,
            TraceId = request.TraceId ?? Activity.Current?.TraceId.ToString(),
            Collection = request.Documents is { Count: > 0 } ? null : request.Collection,
            Retrieval = RetrievalOf(request),
            SkippedDocuments = request.Documents is { Count: > 0 } documents
                ? [.. request.SkippedDocuments, .. InlineDocuments.Prepare(documents).Skipped]
                : request.SkippedDocuments,
            CreatedAt = DateTimeOffset.UtcNow,
            Timings = answer.Timings with { TotalMs = Elapsed() },
        };

        SpecRagTelemetry.QueryDuration.Record(result.Timings.TotalMs, new KeyValuePair<string, object?>("mode", activity?.GetTagItem("specrag.mode")));
        logger.LogInformation("Query {QueryId} answered in {TotalMs:F0} ms from {Drafts} drafts ({Failed} failed, {Missing} missing)",
            result.Id, result.Timings.TotalMs, result.Drafts.Count, result.FailedDrafts.Count, result.MissingDrafts.Count);
        return result;
    }

    private async Task<IReadOnlyList<Passage>> RetrieveAsync(QueryRequest request)
    {
        using var activity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.retrieve");
        activity?.SetTag("specrag.top_k", request.TopK);

        if (request.Documents is { Count: > 0 } documents)
        {
            activity?.SetTag("specrag.source", "request");
            return await SpeculativePipeline.InlinePassagesAsync(embedder, request.Question, documents, request.TopK);
        }

        var mode = RetrievalOf(request)!.Value;
        activity?.SetTag("specrag.collection", request.Collection);
        activity?.SetTag("specrag.retrieval", mode.ToString().ToLowerInvariant());
        var question = await embedder.EmbedAsync(request.Question);
        var passages = await GrainFactory.GetGrain<ICollectionGrain>(request.Collection)
            .SearchAsync(new RetrievalQuery(request.Question, question, request.TopK, mode));
        return passages.Count > 0 ? passages : throw new NoMatchingPassagesException(request.Collection, mode);
    }

    private async Task<QueryResult> AnswerSpeculativeAsync(
        QueryRequest request, IReadOnlyList<Passage> passages, double retrievalMs, int deadlineMs, DateTimeOffset deadline,
        ChannelWriter<QueryEvent> events, Func<double> elapsed, CancellationToken cancellationToken)
    {
        var phase = Stopwatch.GetTimestamp();
        var sampling = request.Sampling ?? options.Value.Sampling;
        DraftPlan plan;
        using (var clusterActivity = SpecRagTelemetry.ActivitySource.StartActivity("specrag.cluster"))
        {
            plan = await SpeculativePipeline.PlanAsync(embedder, request, passages, sampling, cancellationToken);
            clusterActivity?.SetTag("specrag.option_statements", plan.OptionStatements);
            clusterActivity?.SetTag("specrag.hop_chains", plan.HopChains);
            clusterActivity?.SetTag("specrag.clusters", plan.Clusters);
            clusterActivity?.SetTag("specrag.subsets", plan.Tasks.Count);
            clusterActivity?.SetTag("specrag.sampling", sampling.ToString().ToLowerInvariant());
        }

        var clusteringMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        phase = Stopwatch.GetTimestamp();
        var reserve = TimeSpan.FromMilliseconds(Math.Max(50, deadlineMs * options.Value.VerificationReserve));
        var drafting = await new DraftRound(dispatcher, options.Value.Hedging, logger)
            .RunAsync(plan.Tasks, deadline - reserve, draft => events.TryWrite(new DraftEvent(draft with { Embeddings = null }) { ElapsedMs = elapsed() }),
                failure => events.TryWrite(new DraftFailedEvent(failure) { ElapsedMs = elapsed() }), cancellationToken);
        var draftingMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        if (drafting.Drafts.Count == 0)
        {
            throw drafting.Missing.Count > 0
                ? new DeadlineExceededException(deadlineMs, drafting.Missing)
                : drafting.Failures.Any(f => f.Error == DraftRound.BusyError)
                    ? new DraftersBusyException(dispatcher.MaxInFlightHint)
                    : new DraftsFailedException(drafting.Failures);
        }

        phase = Stopwatch.GetTimestamp();
        var verification = await GrainFactory.GetGrain<IVerifierGrain>(0).VerifyAsync(request.Question, drafting.Drafts);
        var verificationMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        var result = SpeculativePipeline.Assemble(passages, drafting, verification, sampling,
            new QueryTimings(retrievalMs, clusteringMs, draftingMs, verificationMs, TotalMs: 0));
        events.TryWrite(new VerifiedEvent(result.Drafts, result.SelectedDraft!.Value, verification.Scoring) { ElapsedMs = elapsed() });
        return result;
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
            Citations = SpeculativePipeline.Cite(answer.DocumentIds, passages),
            SelectedDraft = null,
            Drafts = [],
            Timings = new QueryTimings(retrievalMs, 0, 0, verificationMs, TotalMs: 0),
            Models = new ModelNames(null, answer.Model),
            VerifierSilo = answer.Silo,
        };
    }

    /// <summary>The retrieval a collection query uses; null when the request carries its own documents.</summary>
    private RetrievalMode? RetrievalOf(QueryRequest request) =>
        request.Documents is { Count: > 0 } ? null : request.Retrieval ?? retrievalOptions.Value.DefaultMode;
}
