using System.Numerics.Tensors;

namespace Orleans.SpecRag.Bench.Data;

/// <summary>
/// Synthetic embeddings with neighbour structure, for collections too large to embed with MiniLM here: a Gaussian
/// point in a <c>latent</c>-dimensional space, projected by a fixed random matrix to the full dimension, plus
/// isotropic noise, normalised. Near points in the latent space stay near, so every vector has real nearest
/// neighbours, unlike uniform random vectors, on which any ANN index fails. Deterministic per key within a process
/// (HashCode is seeded per process, so each run draws a fresh set with the same structure).
/// </summary>
public sealed class ClusteredEmbeddings(int dimensions, int latent, double noise, int seed)
{
    private readonly float[][] _projection = Enumerable.Range(0, latent)
        .Select(l => Gaussians(new Random(HashCode.Combine(seed, -1 - l)), dimensions, 1.0 / Math.Sqrt(latent)))
        .ToArray();

    public int Dimensions => dimensions;

    public string Description => $"{latent}-dimensional Gaussian latent projected to {dimensions} dimensions, noise σ = {noise} per dimension relative to a unit-variance signal";

    public float[] Vector(long key)
    {
        // Both halves of the key: long.GetHashCode folds them with XOR, which maps -1 - k onto k.
        var random = new Random(HashCode.Combine(seed, (int)key, (int)(key >> 32)));
        var vector = Gaussians(random, dimensions, noise);
        for (var l = 0; l < latent; l++)
        {
            TensorPrimitives.MultiplyAdd(_projection[l], (float)Gaussian(random), vector, vector);
        }

        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
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
