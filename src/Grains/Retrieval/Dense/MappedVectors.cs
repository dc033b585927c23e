using System.IO.MemoryMappedFiles;
using System.Numerics.Tensors;

namespace Orleans.SpecRag.Retrieval.Dense;

/// <summary>
/// A segment's exact vectors, memory-mapped read-only: the page cache holds them, not the managed heap,
/// so opening a segment costs no read of its vectors and many shards can share a machine's memory.
/// </summary>
public sealed unsafe class MappedVectors : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly float* _start;
    private bool _disposed;

    public MappedVectors(string path, int count, int dimensions)
    {
        Count = count;
        Dimensions = dimensions;
        var expected = (long)count * dimensions * sizeof(float);
        var actual = new FileInfo(path).Length;
        if (actual != expected)
        {
            throw new InvalidDataException($"{path} holds {actual} bytes, expected {expected} ({count} vectors × {dimensions}).");
        }

        if (count == 0)
        {
            return;
        }

        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, expected, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _start = (float*)(pointer + _view.PointerOffset);
    }

    public int Count { get; }

    public int Dimensions { get; }

    public ReadOnlySpan<float> this[int ordinal]
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)ordinal, (uint)Count, nameof(ordinal));
            return new ReadOnlySpan<float>(_start + ((long)ordinal * Dimensions), Dimensions);
        }
    }

    public float Dot(ReadOnlySpan<float> query, int ordinal) => TensorPrimitives.Dot(query, this[ordinal]);

    /// <summary>
    /// The <paramref name="topK"/> live vectors most similar to <paramref name="query"/>, best first, by an exact
    /// scan; ties keep the lower ordinal.
    /// </summary>
    public List<(int Ordinal, float Score)> Scan(ReadOnlySpan<float> query, int topK, Func<int, bool>? isDeleted = null)
    {
        var heap = new PriorityQueue<int, (float Score, int NegOrdinal)>(Math.Min(topK, Count) + 1);
        for (var i = 0; i < Count; i++)
        {
            if (isDeleted?.Invoke(i) == true)
            {
                continue;
            }

            var priority = (Dot(query, i), -i);
            if (heap.Count < topK)
            {
                heap.Enqueue(i, priority);
            }
            else if (heap.TryPeek(out _, out var worst) && priority.CompareTo(worst) > 0)
            {
                heap.EnqueueDequeue(i, priority);
            }
        }

        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var ordinal, out var p))
        {
            result.Add((ordinal, p.Score));
        }

        result.Reverse();
        return result;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _file?.Dispose();
    }
}
