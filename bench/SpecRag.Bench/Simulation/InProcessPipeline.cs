using System.Diagnostics;
using System.Numerics.Tensors;
using Orleans.SpecRag.Clustering;
using Orleans.SpecRag.Drafting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Verification;
using Orleans.SpecRag.Models.Embedding;

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
/// The same Speculative RAG query as <c>QueryGrain</c>, with no Orleans: the same pure classes (embedder,
/// <see cref="KMeans"/>, <see cref="SubsetSampler"/>, the models, <see cref="DraftSelector"/>) called directly in
/// one process, the drafts fanned out with <see cref="Task.WhenAll(IEnumerable{Task})"/>. It is the limit the
/// distributed version is measured against: whatever Orleans adds (messages, serialisation, placement, the
/// persisted query record) is the difference between the two.
/// </summary>
public sealed class InProcessPipeline(IEmbedder embedder, IDraftModel drafter, IVerifierModel verifier)
{
    public async Task<PipelineResult> RunAsync(QueryRequest request, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();

        // Retrieval with inline documents, exactly as QueryGrain does it: embed the question and the first topK documents.
        var documents = request.Documents ?? throw new ArgumentException("The in-process limit takes inline documents only.", nameof(request));
        var chosen = documents.Take(request.TopK).ToArray();
        var ids = chosen.Select((d, i) => string.IsNullOrWhiteSpace(d.Id) ? $"doc-{i + 1}" : d.Id).ToArray();
        var vectors = await embedder.EmbedAsync([request.Question, .. chosen.Select(d => PassageText(d.Title, d.Text))], cancellationToken);
        var passages = chosen.Select((d, i) => new Passage(ids[i], ids[i], d.Title, d.Text, vectors[i + 1], TensorPrimitives.Dot(vectors[0], vectors[i + 1]))).ToArray();
        var retrievalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        var phase = Stopwatch.GetTimestamp();
        var k = Math.Min(request.DocsPerDraft, passages.Length);
        var clusters = KMeans.Cluster(passages.Select(p => p.Embedding).ToArray(), k, request.Seed).Clusters;
        var subsets = SubsetSampler.Sample(clusters, request.Drafts, request.Seed, request.Sampling ?? new Querying.QueryOptions().Sampling);
        var clusteringMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        phase = Stopwatch.GetTimestamp();
        var subsetPassages = subsets.Select(s => (IReadOnlyList<Passage>)s.Select(i => passages[i]).ToArray()).ToArray();
        var drafts = await Task.WhenAll(subsetPassages.Select(p => drafter.DraftAsync(request.Question, p, cancellationToken)));
        var draftingMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        phase = Stopwatch.GetTimestamp();
        var scores = await verifier.ScoreAsync(request.Question, drafts, cancellationToken);
        var combined = drafts.Select((d, i) => DraftSelector.Combine(Math.Min(0, d.DraftScore), scores[i].SelfConsistency, scores[i].SelfReflection)).ToArray();
        var best = DraftSelector.SelectBest(combined);
        var verificationMs = Stopwatch.GetElapsedTime(phase).TotalMilliseconds;

        return new PipelineResult(best, subsetPassages.Select(p => (IReadOnlyList<string>)p.Select(x => x.Id).ToArray()).ToArray(),
            retrievalMs, clusteringMs, draftingMs, verificationMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The text QueryGrain embeds for a document (CollectionShardGrain.PassageText, internal to the grains).</summary>
    public static string PassageText(string? title, string text) => string.IsNullOrWhiteSpace(title) ? text : $"{title}. {text}";
}
