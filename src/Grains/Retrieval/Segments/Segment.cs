using Lucene.Net.Index;
using Microsoft.Win32.SafeHandles;
using Orleans.SpecRag.Retrieval.Dense;
using Orleans.SpecRag.Retrieval.Lexical;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>
/// An opened, immutable segment: its document table in memory, everything else (vectors, passage texts, the
/// ANN graph, the lexical index) read from its files on demand. Opening reads the document table only.
/// </summary>
/// <remarks>
/// Every <see cref="ShardView"/> that lists the segment holds a reference on it; the last view to go closes it. A
/// segment that never joined a view is disposed by whoever opened it.
/// </remarks>
public sealed class Segment : IDisposable
{
    private readonly SafeFileHandle _passages;
    private readonly int[] _documentOfPassage;
    private int _views;
    private int _disposed;

    private Segment(string directory, SegmentInfo info, SegmentDocumentEntry[] documents, MappedVectors vectors,
        AnnIndex? ann, DirectoryReader lexical, SafeFileHandle passages)
    {
        Directory = directory;
        Info = info;
        Documents = documents;
        Vectors = vectors;
        Ann = ann;
        Lexical = lexical;
        _passages = passages;
        _documentOfPassage = new int[info.Passages];
        for (var d = 0; d < documents.Length; d++)
        {
            Array.Fill(_documentOfPassage, d, documents[d].FirstPassage, documents[d].PassageCount);
        }
    }

    public string Directory { get; }

    public SegmentInfo Info { get; }

    public string Id => Info.Id;

    public IReadOnlyList<SegmentDocumentEntry> Documents { get; }

    public MappedVectors Vectors { get; }

    public AnnIndex? Ann { get; }

    public DirectoryReader Lexical { get; }

    public static Segment Open(string directory, AnnOptions ann)
    {
        var info = SegmentFiles.ReadInfo(Path.Combine(directory, SegmentFiles.Info));
        var documents = SegmentFiles.ReadDocuments(Path.Combine(directory, SegmentFiles.Documents));
        var vectors = new MappedVectors(Path.Combine(directory, SegmentFiles.Vectors), info.Passages, info.Dimensions);
        AnnIndex? index = null;
        DirectoryReader? lexical = null;
        SafeFileHandle? passages = null;
        try
        {
            index = info.HasAnnIndex ? AnnIndex.Open(Path.Combine(directory, SegmentFiles.Ann), ann.ExpansionSearch) : null;
            lexical = LexicalIndex.Open(Path.Combine(directory, SegmentFiles.Lexical));
            var passagesPath = Path.Combine(directory, SegmentFiles.Passages);
            passages = File.OpenHandle(passagesPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            var count = SegmentFiles.ReadPassagesHeader(passages, passagesPath);
            if (count != info.Passages || documents.Length != info.Documents)
            {
                throw new InvalidDataException($"Segment {info.Id} is inconsistent: {count} passages and {documents.Length} documents, its info says {info.Passages} and {info.Documents}.");
            }

            return new Segment(directory, info, documents, vectors, index, lexical, passages);
        }
        catch
        {
            vectors.Dispose();
            index?.Dispose();
            lexical?.Dispose();
            passages?.Dispose();
            throw;
        }
    }

    public SegmentDocumentEntry DocumentOf(int ordinal) => Documents[_documentOfPassage[ordinal]];

    public (string Id, string Text) ReadPassage(int ordinal) => SegmentFiles.ReadPassage(_passages, ordinal);

    /// <summary>
    /// The segment's <paramref name="topK"/> nearest live passages by exact cosine. Large segments take candidates
    /// from the int8 graph and rescore them with the exact vectors; when deletions leave too few live candidates,
    /// the segment is scanned instead, so the answer never silently shrinks.
    /// </summary>
    public List<(int Ordinal, float Score)> SearchDense(float[] query, int topK, ISet<int>? deleted, AnnOptions options)
    {
        var live = Info.Passages - (deleted?.Count ?? 0);
        if (live <= 0)
        {
            return [];
        }

        Func<int, bool>? isDeleted = deleted is { Count: > 0 } ? deleted.Contains : null;
        if (Ann is null)
        {
            return Vectors.Scan(query, topK, isDeleted);
        }

        var wanted = Math.Min(Info.Passages, Math.Max(options.MinCandidates, topK * options.RescoreFactor) + (deleted?.Count ?? 0));
        var hits = new List<(int Ordinal, float Score)>(wanted);
        foreach (var key in Ann.Candidates(query, wanted))
        {
            var ordinal = (int)key;
            if (isDeleted?.Invoke(ordinal) != true)
            {
                hits.Add((ordinal, Vectors.Dot(query, ordinal)));
            }
        }

        if (hits.Count < Math.Min(topK, live))
        {
            return Vectors.Scan(query, topK, isDeleted);
        }

        hits.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Ordinal.CompareTo(b.Ordinal));
        return hits.Count > topK ? hits[..topK] : hits;
    }

    internal void Retain() => Interlocked.Increment(ref _views);

    internal void Release()
    {
        if (Interlocked.Decrement(ref _views) == 0)
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Vectors.Dispose();
        Ann?.Dispose();
        Lexical.Dispose();
        _passages.Dispose();
    }
}
