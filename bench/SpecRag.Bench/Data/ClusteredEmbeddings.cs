using System.Numerics.Tensors;

namespace Orleans.SpecRag.Bench.Data;

/// <summary>
/// Synthetic embeddings with neighbour structure, for collections too large to embed with MiniLM here: a Gaussian
/// point in a <c>latent</c>-dimensional space, projected by a fixed random matrix to the full dimension, plus
/// isotropic noise, normalised. Near points in the latent space stay near, so every vector has real nearest
/// neighbours, unlike uniform random vectors, on which any ANN index fails. Deterministic per key and seed (runs
/// before 2026-12-02 02:20 UTC seeded through HashCode, which differs per process: each drew a fresh set).
/// </summary>
public sealed class ClusteredEmbeddings(int dimensions, int latent, double noise, int seed)
{
    private readonly float[][] _projection = Enumerable.Range(0, latent)
        .Select(l => Gaussians(new Random(Mix(seed, -1 - l) ^ 0x5bd1e995), dimensions, 1.0 / Math.Sqrt(latent)))
        .ToArray();

    public int Dimensions => dimensions;

    public string Description => $"{latent}-dimensional Gaussian latent projected to {dimensions} dimensions, noise σ = {noise} per dimension relative to a unit-variance signal";

    public float[] Vector(long key)
    {
        var random = new Random(Mix(seed, key));
        var vector = Gaussians(random, dimensions, noise);
        for (var l = 0; l < latent; l++)
        {
            TensorPrimitives.MultiplyAdd(_projection[l], (float)Gaussian(random), vector, vector);
        }

        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    /// <summary>SplitMix64 of the seed and the whole key: stable across runs and processes (HashCode is not).</summary>
    private static int Mix(int seed, long key)
    {
        var z = unchecked((ulong)key + ((ulong)seed * 0x9E3779B97F4A7C15UL) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    private static float[] Gaussians(Random random, int count, double scale)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(Gaussian(random) * scale);
        }

        return values;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
