using System.Numerics.Tensors;
using Orleans.SpecRag.Retrieval.Segments;

namespace Orleans.SpecRag.Tests.Retrieval;

/// <summary>
/// Synthetic embeddings with real neighbour structure: a point in a low-dimensional latent space, projected to
/// the full dimension, plus noise, normalised. (Uniform random vectors have no near neighbours at all.)
/// </summary>
public sealed class ClusteredVectors(int dimensions = 64, int latent = 8, double noise = 0.6, int seed = 7)
{
    private readonly float[][] _projection = Projection(dimensions, latent, seed);

    public int Dimensions => dimensions;

    public float[] Vector(int key)
    {
        var random = new Random(unchecked((seed * 1_000_003) ^ (key * 7919))); // deterministic across runs, unlike HashCode
        var vector = new float[dimensions];
        for (var l = 0; l < latent; l++)
        {
            var weight = (float)Gaussian(random);
            TensorPrimitives.MultiplyAdd(_projection[l], weight, vector, vector);
        }

        for (var d = 0; d < dimensions; d++)
        {
            vector[d] += (float)(Gaussian(random) * noise);
        }

        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    /// <summary>A document with <paramref name="passages"/> passages whose texts carry a word unique to the document.</summary>
    public SegmentDocument Document(int key, int passages = 1, string? text = null) =>
        new($"doc-{key}", $"Title {key}", null, $"hash-{key}-{text}",
            Enumerable.Range(0, passages).Select(p => new SegmentPassage($"doc-{key}#{p + 1}", text ?? $"Passage {p} of document {key} mentions token{key}.", Vector((key * 100) + p))).ToArray());

    private static float[][] Projection(int dimensions, int latent, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, latent).Select(_ => Enumerable.Range(0, dimensions).Select(_ => (float)Gaussian(random)).ToArray()).ToArray();
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
