using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Orleans.SpecRag.Retrieval.Dense;

/// <summary>Settings of the approximate index (configuration section <c>SpecRag:Retrieval:Ann</c>).</summary>
public sealed class AnnOptions
{
    /// <summary>Segments with fewer passages are searched by an exact scan, which is as fast there and exact.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "SpecRag:Retrieval:Ann:MinPassages must be at least {1}.")]
    public int MinPassages { get; set; } = 5_000;

    /// <summary>HNSW graph degree (USearch "connectivity").</summary>
    [Range(2, 256, ErrorMessage = "SpecRag:Retrieval:Ann:Connectivity must be between {1} and {2}.")]
    public int Connectivity { get; set; } = 16;

    /// <summary>Candidate list size while building; higher builds slower and finds better neighbours.</summary>
    [Range(1, 100_000, ErrorMessage = "SpecRag:Retrieval:Ann:ExpansionAdd must be between {1} and {2}.")]
    public int ExpansionAdd { get; set; } = 128;

    /// <summary>Candidate list size while searching; the main recall/latency dial.</summary>
    [Range(1, 100_000, ErrorMessage = "SpecRag:Retrieval:Ann:ExpansionSearch must be between {1} and {2}.")]
    public int ExpansionSearch { get; set; } = 96;

    /// <summary>Candidates taken from the int8 graph per requested result, then rescored with the exact vectors.</summary>
    [Range(1, 1_000, ErrorMessage = "SpecRag:Retrieval:Ann:RescoreFactor must be between {1} and {2}.")]
    public int RescoreFactor { get; set; } = 4;

    /// <summary>At least this many candidates are rescored, however small the request.</summary>
    [Range(1, 100_000, ErrorMessage = "SpecRag:Retrieval:Ann:MinCandidates must be between {1} and {2}.")]
    public int MinCandidates { get; set; } = 40;
}

/// <summary>
/// An HNSW graph from USearch over a segment's vectors, stored as int8 (a quarter of the float bytes), always
/// memory-mapped when opened. Its distances are approximate: callers rescore its candidates with the exact
/// vectors. Keys are the segment's passage ordinals.
/// </summary>
public sealed class AnnIndex : IDisposable
{
    private readonly USearchIndex _index;

    private AnnIndex(USearchIndex index) => _index = index;

    public long Count => (long)_index.Size();

    /// <summary>Builds the graph from <paramref name="vectors"/> on every core and saves it to <paramref name="path"/>.</summary>
    public static void Build(string path, MappedVectors vectors, AnnOptions options)
    {
        using var index = new USearchIndex(MetricKind.Cos, ScalarKind.Int8, (ulong)vectors.Dimensions,
            (ulong)options.Connectivity, (ulong)options.ExpansionAdd, (ulong)options.ExpansionSearch);
        // The C# wrapper grows capacity one add at a time, which is not thread-safe; reserving once makes
        // concurrent single adds safe (usearch_reserve also sizes the per-thread contexts).
        Native.usearch_reserve(Handle(index), (UIntPtr)vectors.Count, out var error);
        Native.Check(error);
        Parallel.For(0, vectors.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new float[vectors.Dimensions],
            (ordinal, _, buffer) =>
            {
                vectors[ordinal].CopyTo(buffer);
                index.Add((ulong)ordinal, buffer);
                return buffer;
            },
            _ => { });
        index.Save(path);
    }

    /// <summary>Maps a saved graph into memory (no copy onto the heap) with the search expansion to use.</summary>
    public static AnnIndex Open(string path, int expansionSearch)
    {
        var index = new USearchIndex(path, view: true);
        Native.usearch_change_expansion_search(Handle(index), (UIntPtr)Math.Max(1, expansionSearch), out var error);
        if (error != IntPtr.Zero)
        {
            index.Dispose();
            throw new USearchException($"USearch could not set the search expansion: {Marshal.PtrToStringAnsi(error)}");
        }

        return new AnnIndex(index);
    }

    /// <summary>Up to <paramref name="count"/> candidate ordinals, nearest first by the int8 distance.</summary>
    public ulong[] Candidates(float[] query, int count)
    {
        var found = _index.Search(query, count, out ulong[] keys, out float[] _);
        return found == keys.Length ? keys : keys[..found];
    }

    public void Dispose() => _index.Dispose();

    // The wrapper keeps its native handle private and exposes neither reserve nor a change of the search
    // expansion, which the C API (libusearch_c, shipped in the same package) has.
    private static readonly FieldInfo HandleField = typeof(USearchIndex).GetField("_index", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException("Cloud.Unum.USearch changed: USearchIndex._index is gone.");

    private static IntPtr Handle(USearchIndex index) => (IntPtr)HandleField.GetValue(index)!;

    private static class Native
    {
        [DllImport("usearch_c")]
        public static extern void usearch_reserve(IntPtr index, UIntPtr capacity, out IntPtr error);

        [DllImport("usearch_c")]
        public static extern void usearch_change_expansion_search(IntPtr index, UIntPtr expansion, out IntPtr error);

        public static void Check(IntPtr error)
        {
            if (error != IntPtr.Zero)
            {
                throw new USearchException($"USearch failed: {Marshal.PtrToStringAnsi(error)}");
            }
        }
    }
}
