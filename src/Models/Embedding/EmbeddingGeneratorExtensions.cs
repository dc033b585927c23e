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
        public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
        {
            if (texts.Count == 0)
            {
                return [];
            }

            var embeddings = await generator.GenerateAsync(texts, cancellationToken: cancellationToken);
            return embeddings.Select(e => AsArray(e.Vector)).ToArray();
        }

        public async Task<float[]> EmbedAsync(string text, CancellationToken cancellationToken = default) =>
            (await generator.EmbedAsync([text], cancellationToken))[0];
    }

    // Generators here hand out whole arrays (MiniLM's output, or the same object again from the cache): no copy then.
    private static float[] AsArray(ReadOnlyMemory<float> vector) =>
        MemoryMarshal.TryGetArray(vector, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : vector.ToArray();
}
