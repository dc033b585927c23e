using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace Orleans.SpecRag.Models.Embedding;

/// <summary>
/// The embedder as the rest of the service uses it: unit-length <c>float[]</c> vectors (what the indexes and K-means
/// hold) from any <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>, and the model's name and size from its metadata.
/// </summary>
public static class EmbeddingGeneratorExtensions
{
    extension(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        /// <summary>The model's name as reported to users, e.g. <c>all-MiniLM-L6-v2</c>.</summary>
        public string ModelName => generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? "unknown";

        public int Dimensions => generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions
            ?? throw new InvalidOperationException("The embedding generator does not report its dimensions.");

        /// <summary>One vector per text, in order.</summary>
        public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
            generator.EmbedAsync(texts, EmbeddingPriority.Interactive, cancellationToken);

        /// <summary>One vector per text, in order; <see cref="EmbeddingPriority.Bulk"/> lets every query's texts go first.</summary>
        public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, EmbeddingPriority priority, CancellationToken cancellationToken = default)
        {
            if (texts.Count == 0)
            {
                return [];
            }

            var options = priority == EmbeddingPriority.Interactive ? null : new EmbeddingGenerationOptions { AdditionalProperties = new() { [PriorityKey] = priority } };
            var embeddings = await generator.GenerateAsync(texts, options, cancellationToken);
            return embeddings.Select(e => AsArray(e.Vector)).ToArray();
        }

        public async Task<float[]> EmbedAsync(string text, CancellationToken cancellationToken = default) =>
            (await generator.EmbedAsync([text], cancellationToken))[0];
    }

    /// <summary>Where an embedding call's <see cref="EmbeddingPriority"/> travels through the decorators to the model.</summary>
    public const string PriorityKey = "specrag.priority";

    extension(EmbeddingGenerationOptions? options)
    {
        /// <summary>The call's priority: interactive unless it says otherwise.</summary>
        public EmbeddingPriority Priority =>
            options?.AdditionalProperties?.TryGetValue(PriorityKey, out var value) == true && value is EmbeddingPriority priority
                ? priority
                : EmbeddingPriority.Interactive;
    }

    // Generators here hand out whole arrays (MiniLM's output, or the same object again from the cache): no copy then.
    private static float[] AsArray(ReadOnlyMemory<float> vector) =>
        MemoryMarshal.TryGetArray(vector, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : vector.ToArray();
}
