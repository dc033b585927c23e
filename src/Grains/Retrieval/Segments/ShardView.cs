using Lucene.Net.Search;
using Orleans.SpecRag.Retrieval.Lexical;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>
/// One consistent state of a shard: its manifest, its opened segments, which passages are deleted, where each
/// live document is, and a BM25 searcher over all segments. Immutable; writers publish a new view. Readers hold
/// a reference on the view while they use it, and the view holds one on each of its segments, so a segment a
/// compaction removed is closed only when no view that lists it is in use.
/// </summary>
public sealed class ShardView
{
    private readonly Dictionary<string, Segment> _segmentsById;
    private readonly Dictionary<string, HashSet<int>> _deleted;
    private readonly Dictionary<string, (Segment Segment, int Document)> _live;
    private int _references = 1; // the shard's own, dropped when a newer view replaces this one

    public ShardView(ShardManifest manifest, string? etag, IReadOnlyList<Segment> segments)
    {
        Manifest = manifest;
        ETag = etag;
        Segments = segments;
        _segmentsById = segments.ToDictionary(s => s.Id, StringComparer.Ordinal);
        foreach (var segment in segments)
        {
            segment.Retain();
        }

        _deleted = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        _live = new Dictionary<string, (Segment, int)>(StringComparer.Ordinal);
        foreach (var entry in manifest.Segments)
        {
            var segment = _segmentsById[entry.Id];
            var tombstones = entry.Tombstones.ToHashSet(StringComparer.Ordinal);
            var deleted = new HashSet<int>();
            for (var d = 0; d < segment.Documents.Count; d++)
            {
                var document = segment.Documents[d];
                if (tombstones.Contains(document.Id))
                {
                    for (var p = 0; p < document.PassageCount; p++)
                    {
                        deleted.Add(document.FirstPassage + p);
                    }
                }
                else
                {
                    _live[document.Id] = (segment, d); // later segments are newer; a live id appears once
                }
            }

            _deleted[entry.Id] = deleted;
        }

        Searcher = segments.Count > 0 ? LexicalIndex.CreateSearcher(segments.Select(s => s.Lexical).ToArray()) : null;
    }

    public ShardManifest Manifest { get; }

    public string? ETag { get; }

    public IReadOnlyList<Segment> Segments { get; }

    public IndexSearcher? Searcher { get; }

    public int Documents => _live.Count;

    public int Passages => Manifest.Segments.Sum(s => s.LivePassages);

    public Segment? SegmentById(string id) => _segmentsById.GetValueOrDefault(id);

    public ISet<int>? Deleted(string segmentId) => _deleted.TryGetValue(segmentId, out var set) && set.Count > 0 ? set : null;

    public bool IsDeleted(string segmentId, int ordinal) => _deleted.TryGetValue(segmentId, out var set) && set.Contains(ordinal);

    public bool TryGetLive(string documentId, out Segment segment, out SegmentDocumentEntry document)
    {
        if (_live.TryGetValue(documentId, out var found))
        {
            segment = found.Segment;
            document = found.Segment.Documents[found.Document];
            return true;
        }

        segment = null!;
        document = null!;
        return false;
    }

    /// <summary>The documents of one segment that are still live, in the segment's order.</summary>
    public IEnumerable<(Segment Segment, SegmentDocumentEntry Document)> LiveDocuments(string segmentId)
    {
        var segment = _segmentsById[segmentId];
        return segment.Documents
            .Where(d => _live.TryGetValue(d.Id, out var live) && ReferenceEquals(live.Segment, segment))
            .Select(d => (segment, d));
    }

    internal bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Searcher?.IndexReader.Dispose();
            foreach (var segment in Segments)
            {
                segment.Release();
            }
        }
    }
}
