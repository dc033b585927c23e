using System.Numerics.Tensors;

namespace Orleans.SpecRag.Retrieval;

/// <summary>
/// Exact nearest-neighbour search over unit-length vectors by dot product (= cosine similarity).
/// Vectors live in one contiguous array so a scan is a tight SIMD loop; the top-k are kept in a
/// size-k min-heap, so a search is O(n·d + n·log k). Immutable: writers build a new index and swap it.
/// </summary>
public sealed class VectorIndex<T>
{
    private readonly float[] _vectors;
    private readonly T[] _items;

    public VectorIndex(int dimensions, IReadOnlyList<(T Item, float[] Vector)> entries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        _vectors = new float[entries.Count * dimensions];
        _items = new T[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Vector.Length != dimensions)
            {
                throw new ArgumentException($"Vector {i} has {entries[i].Vector.Length} dimensions, expected {dimensions}.", nameof(entries));
            }

            entries[i].Vector.CopyTo(_vectors.AsSpan(i * dimensions, dimensions));
            _items[i] = entries[i].Item;
        }
    }

    public int Dimensions { get; }

    public int Count => _items.Length;

    /// <summary>The <paramref name="topK"/> most similar items, best first; ties keep insertion order.</summary>
    public IReadOnlyList<(T Item, float Score)> Search(ReadOnlySpan<float> query, int topK)
    {
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} dimensions, the index {Dimensions}.", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        var heap = new PriorityQueue<int, (float Score, int NegIndex)>(Math.Min(topK, Count) + 1);
        for (var i = 0; i < _items.Length; i++)
        {
            var score = TensorPrimitives.Dot(query, _vectors.AsSpan(i * Dimensions, Dimensions));
            var priority = (score, -i);
            if (heap.Count < topK)
            {
                heap.Enqueue(i, priority);
            }
            else if (heap.TryPeek(out _, out var worst) && priority.CompareTo(worst) > 0)
            {
                heap.EnqueueDequeue(i, priority);
            }
        }

        var result = new (T Item, float Score)[heap.Count];
        for (var slot = result.Length - 1; slot >= 0; slot--)
        {
            heap.TryDequeue(out var index, out var p);
            result[slot] = (_items[index], p.Score);
        }

        return result;
    }
}
