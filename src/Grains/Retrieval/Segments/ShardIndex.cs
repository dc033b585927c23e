using System.Text.Json;
using Orleans.SpecRag.Retrieval.Dense;
using Orleans.SpecRag.Retrieval.Lexical;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>
/// One shard's passages as immutable segments plus a manifest: ingestion writes a new segment and then the
/// manifest (so a crash between the two leaves an unreferenced segment, never a half-visible one), deletion
/// writes a tombstone into the manifest, compaction merges segments in the background. Searches read the
/// current <see cref="ShardView"/> without locks; writers are serialised only around the manifest.
/// </summary>
public sealed partial class ShardIndex : IAsyncDisposable
{
    /// <summary>Segments no manifest references are deleted once they are this old (a younger one may be a commit in flight).</summary>
    public static readonly TimeSpan OrphanAge = TimeSpan.FromHours(1);

    private readonly ISegmentStore _store;
    private readonly AnnOptions _ann;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private ShardView _view;
    private bool _disposed;

    private ShardIndex(ISegmentStore store, string shard, AnnOptions ann, ILogger logger, ShardView view)
    {
        _store = store;
        Shard = shard;
        _ann = ann;
        _logger = logger;
        _view = view;
    }

    public string Shard { get; }

    private string ManifestPath => $"{Shard}/manifest";

    public static async Task<ShardIndex> OpenAsync(ISegmentStore store, string shard, AnnOptions ann, ILogger logger, CancellationToken cancellationToken = default)
    {
        var index = new ShardIndex(store, shard, ann, logger, new ShardView(ShardManifest.Empty, null, []));
        var view = await index.LoadViewAsync(cancellationToken);
        index._view = view;
        await index.DeleteOrphansAsync(view.Manifest, cancellationToken);
        return index;
    }

    /// <summary>The current view, held until the returned lease is disposed.</summary>
    public ViewLease Acquire()
    {
        while (true)
        {
            var view = Volatile.Read(ref _view);
            if (view.TryAcquire())
            {
                return new ViewLease(view);
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="documents"/> visible as one new segment; each replaces the live document with its id.
    /// Returns when the manifest that references the segment is written: from then on nothing is lost.
    /// </summary>
    public async Task AddAsync(IReadOnlyList<SegmentDocument> documents, string embeddingModel, int dimensions, CancellationToken cancellationToken = default)
    {
        // An id given twice would leave its first copy live but unreachable: the last one wins, as in a replacement.
        documents = documents.GroupBy(d => d.Id, StringComparer.Ordinal).Select(g => g.Last()).ToArray();
        if (documents.Count == 0)
        {
            return;
        }

        var segmentId = SegmentBuilder.NewSegmentId();
        var info = await BuildAndStoreAsync(segmentId, documents, dimensions, embeddingModel, cancellationToken);
        var segment = await OpenSegmentAsync(segmentId, cancellationToken);
        var ids = documents.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        try
        {
            await CommitAsync(view =>
            {
                var entries = Tombstone(view, ids).Append(new ManifestSegment(segmentId, info.Documents, info.Passages, [], 0)).ToArray();
                return (view.Manifest with { EmbeddingModel = embeddingModel, Segments = entries }, [segment]);
            }, cancellationToken);
        }
        catch
        {
            segment.Dispose(); // never joined a view
            throw;
        }
    }

    /// <summary>Tombstones the live document with this id; false when there is none.</summary>
    public async Task<bool> DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        var deleted = false;
        await CommitAsync(view =>
        {
            deleted = view.TryGetLive(documentId, out _, out _);
            return deleted ? (view.Manifest with { Segments = Tombstone(view, new HashSet<string>(StringComparer.Ordinal) { documentId }).ToArray() }, []) : null;
        }, cancellationToken);
        return deleted;
    }

    /// <summary>Deletes every live document <paramref name="predicate"/> picks; returns how many.</summary>
    public async Task<int> DeleteWhereAsync(Func<SegmentDocumentEntry, bool> predicate, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await CommitAsync(view =>
        {
            var ids = view.Segments
                .SelectMany(segment => view.LiveDocuments(segment.Id))
                .Where(live => predicate(live.Document))
                .Select(live => live.Document.Id)
                .ToHashSet(StringComparer.Ordinal);
            deleted = ids.Count;
            return ids.Count > 0 ? (view.Manifest with { Segments = Tombstone(view, ids).ToArray() }, []) : null;
        }, cancellationToken);
        return deleted;
    }

    /// <summary>The shard's best hits: dense (exact cosine, candidates from ANN in large segments) and BM25.</summary>
    public ShardHits Search(ShardSearch search)
    {
        using var lease = Acquire();
        var view = lease.View;
        var depth = Math.Max(1, search.Depth);
        IReadOnlyList<ShardHit> dense = [];
        IReadOnlyList<ShardHit> lexical = [];
        if (search.Mode != RetrievalMode.Lexical && view.Segments.Count > 0)
        {
            dense = view.Segments
                .Where(segment => segment.Info.Dimensions == search.Embedding.Length) // a segment of another embedder cannot answer
                .SelectMany(segment => segment.SearchDense(search.Embedding, depth, view.Deleted(segment.Id), _ann).Select(hit => (Segment: segment, hit.Ordinal, hit.Score)))
                .OrderByDescending(hit => hit.Score)
                .Take(depth)
                .Select(hit => Hit(hit.Segment, hit.Ordinal, hit.Score))
                .ToArray();
        }

        if (search.Mode != RetrievalMode.Dense && view.Searcher is not null && LexicalIndex.ParseQuery(search.Text, search.Expansion) is { } query)
        {
            lexical = LexicalIndex.Search(view.Searcher, query, depth, view.IsDeleted)
                .Select(hit => Hit(view.SegmentById(hit.Segment)!, hit.Ordinal, hit.Score))
                .ToArray();
        }

        return new ShardHits(dense, lexical);
    }

    /// <summary>Document frequencies in the shard's lexical indexes (deleted passages still count until compaction, as in Lucene).</summary>
    public TermStatistics GetTermStatistics(IReadOnlyList<string> terms)
    {
        using var lease = Acquire();
        return LexicalIndex.Statistics(lease.View.Searcher, terms);
    }

    /// <summary>The live passages with these ids, with text and vector; ids that are no longer live are skipped.</summary>
    public IReadOnlyList<Passage> GetPassages(IReadOnlyList<string> passageIds)
    {
        using var lease = Acquire();
        var view = lease.View;
        var passages = new List<Passage>(passageIds.Count);
        foreach (var passageId in passageIds)
        {
            if (!PassageIds.TryParse(passageId, out var documentId, out var n)
                || !view.TryGetLive(documentId, out var segment, out var document) || n > document.PassageCount)
            {
                continue;
            }

            var ordinal = document.FirstPassage + n - 1;
            var (id, text) = segment.ReadPassage(ordinal);
            passages.Add(new Passage(id, document.Id, document.Title, text, segment.Vectors[ordinal].ToArray(), 0));
        }

        return passages;
    }

    private static ShardHit Hit(Segment segment, int ordinal, double score)
    {
        var document = segment.DocumentOf(ordinal);
        return new ShardHit(PassageIds.Of(document, ordinal), document.Id, score);
    }

    /// <summary>
    /// Writes the manifest <paramref name="change"/> makes of the current view, with its ETag, and publishes the new
    /// view; false when <paramref name="change"/> declined. When another writer moved the manifest on (an ETag
    /// mismatch), reloads it and asks again. The segments the change adds must be opened already.
    /// </summary>
    private async Task<bool> CommitAsync(
        Func<ShardView, (ShardManifest Manifest, IReadOnlyList<Segment> Added)?> change,
        CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var attempt = 1; ; attempt++)
            {
                var current = Volatile.Read(ref _view);
                if (change(current) is not { } next)
                {
                    return false;
                }

                var manifest = next.Manifest with { Version = current.Manifest.Version + 1 };
                string etag;
                try
                {
                    etag = await _store.WriteRecordAsync(ManifestPath, JsonSerializer.SerializeToUtf8Bytes(manifest, SegmentFiles.Json), current.ETag, cancellationToken);
                }
                catch (ETagMismatchException) when (attempt < 10)
                {
                    _logger.LogWarning("Shard {Shard}: its manifest was changed by another writer; reloading it", Shard);
                    Publish(await LoadViewAsync(cancellationToken, reuse: current));
                    continue;
                }

                var open = current.Segments.Concat(next.Added).ToDictionary(s => s.Id, StringComparer.Ordinal);
                Publish(new ShardView(manifest, etag, manifest.Segments.Select(s => open[s.Id]).ToArray()));
                return true;
            }
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>The new view takes over; the old one closes the segments only it listed once its last reader is done.</summary>
    private void Publish(ShardView view) => Interlocked.Exchange(ref _view, view).Release();

    private static IEnumerable<ManifestSegment> Tombstone(ShardView view, IReadOnlySet<string> documentIds)
    {
        var byId = new Dictionary<string, ManifestSegment>(StringComparer.Ordinal);
        foreach (var id in documentIds)
        {
            if (view.TryGetLive(id, out var segment, out var document))
            {
                var entry = byId.GetValueOrDefault(segment.Id) ?? view.Manifest.Segments.First(s => s.Id == segment.Id);
                byId[segment.Id] = entry.WithTombstone(id, document.PassageCount);
            }
        }

        return view.Manifest.Segments.Select(s => byId.GetValueOrDefault(s.Id) ?? s);
    }

    private async Task<ShardView> LoadViewAsync(CancellationToken cancellationToken, ShardView? reuse = null)
    {
        var record = await _store.ReadRecordAsync(ManifestPath, cancellationToken);
        var manifest = record is null ? ShardManifest.Empty : JsonSerializer.Deserialize<ShardManifest>(record.Content, SegmentFiles.Json) ?? ShardManifest.Empty;
        var segments = new Segment[manifest.Segments.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, segments.Length), cancellationToken, async (i, ct) =>
        {
            segments[i] = reuse?.SegmentById(manifest.Segments[i].Id) ?? await OpenSegmentAsync(manifest.Segments[i].Id, ct);
        });
        return new ShardView(manifest, record?.ETag, segments);
    }

    private async Task<SegmentInfo> BuildAndStoreAsync(string segmentId, IReadOnlyList<SegmentDocument> documents, int dimensions, string embeddingModel, CancellationToken cancellationToken)
    {
        var directory = _store.NewBuildDirectory();
        try
        {
            // Index building is CPU-bound work: keep it off the caller's (a grain's) scheduler.
            var info = await Task.Run(() => SegmentBuilder.Build(directory, segmentId, documents, dimensions, embeddingModel, _ann), cancellationToken);
            await _store.PutSegmentAsync(Shard, segmentId, directory, cancellationToken);
            return info;
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private async Task<Segment> OpenSegmentAsync(string segmentId, CancellationToken cancellationToken)
    {
        var directory = await _store.OpenSegmentAsync(Shard, segmentId, cancellationToken);
        return Segment.Open(directory, _ann);
    }

    private async Task DeleteOrphansAsync(ShardManifest manifest, CancellationToken cancellationToken)
    {
        var referenced = manifest.Segments.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, storedAt) in await _store.ListSegmentsAsync(Shard, cancellationToken))
        {
            if (!referenced.Contains(id) && storedAt < DateTimeOffset.UtcNow - OrphanAge)
            {
                _logger.LogInformation("Shard {Shard}: deleting segment {Segment}, which no manifest references (an interrupted write)", Shard, id);
                await _store.DeleteSegmentAsync(Shard, id, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writes.WaitAsync();
        try
        {
            if (!_disposed)
            {
                _disposed = true;
                Publish(new ShardView(ShardManifest.Empty, null, []));
            }
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>A reader's hold on a view.</summary>
    public readonly struct ViewLease(ShardView view) : IDisposable
    {
        public ShardView View { get; } = view;

        public void Dispose() => View.Release();
    }
}
