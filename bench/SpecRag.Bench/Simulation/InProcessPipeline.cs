using System.Diagnostics;
using Microsoft.Extensions.AI;
using Orleans.SpecRag.Drafting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Querying;

namespace Orleans.SpecRag.Bench.Simulation;

/// <summary>What one query of the in-process limit did, stage by stage.</summary>
public sealed record PipelineResult(
    int SelectedDraft,
    IReadOnlyList<IReadOnlyList<string>> DraftPassageIds,
    double RetrievalMs,
    double ClusteringMs,
    double DraftingMs,
    double VerificationMs,
    double TotalMs);

/// <summary>
/// The same Speculative RAG query as <c>QueryGrain</c>, with no Orleans: the product's own <see cref="SpeculativePipeline"/>
/// (inline passages, K-means and subsets, drafts, combined scores, the assembled result) with the models called directly
/// in one process and the drafts fanned out with <see cref="Task.WhenAll(IEnumerable{Task})"/>. It is the limit the
/// distributed version is measured against: whatever Orleans adds (messages, serialisation, placement, the persisted
/// query record) is the difference between the two.
/// </summary>
public sealed class InProcessPipeline(IEmbeddingGenerator<string, Embedding<float>> embedder, IDraftModel drafter, IVerifierModel verifier)
{
    public async Task<PipelineResult> RunAsync(QueryRequest request, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var documents = request.Documents ?? throw new ArgumentException("The in-process limit takes inline documents only.", nameof(request));
        var passages = await SpeculativePipeline.InlinePassagesAsync(embedder, request.Question, documents, request.TopK, cancellationToken);
        var retrievalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        var phase = Stopwatch.GetTimestamp();
        var sampling = request.Sampling ?? new QueryOptions().Sampling;
        var plan = await SpeculativePipeline.PlanAsync(embedder, request, passages, sampling, cancellationToken);
        var clusteringMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        phase = Stopwatch.GetTimestamp();
        var drafts = await Task.WhenAll(plan.Tasks.Select(async task =>
        {
            var output = await drafter.DraftAsync(task.Question, task.Passages, new DraftOptions { Index = task.Index }, cancellationToken);
            return SpeculativePipeline.ToDraft(task, output, Stopwatch.GetElapsedTime(phase).TotalMilliseconds, "in-process", drafter.Name);
        }));
        var draftingMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        phase = Stopwatch.GetTimestamp();
        var scores = await SpeculativePipeline.ScoreAsync(verifier, request.Question, drafts, cancellationToken);
        var result = SpeculativePipeline.Assemble(passages, new DraftRoundResult(drafts, [], [], []),
            new VerificationResult(scores, "in-process", verifier.Name, verifier.Scoring), sampling,
            new QueryTimings(retrievalMs, clusteringMs, draftingMs, 0, TotalMs: 0));
        var verificationMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        return new PipelineResult(result.SelectedDraft!.Value, result.Drafts.Select(d => d.DocumentIds).ToArray(),
            retrievalMs, clusteringMs, draftingMs, verificationMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
