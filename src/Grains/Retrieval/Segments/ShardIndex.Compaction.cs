namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>Compaction: merging segments in the background, without their deleted passages.</summary>
public sealed partial class ShardIndex
{
    /// <summary>
    /// Merges the segments <paramref name="options"/> picks into one, without their deleted passages. The merged
    /// segment is built from a snapshot while writes go on; documents deleted or replaced meanwhile are tombstoned
    /// in it when it is committed, and if a source segment vanished meanwhile the merge is dropped.
    /// </summary>
    public async Task<CompactionResult> CompactAsync(CompactionOptions options, CancellationToken cancellationToken = default)
    {
        using var lease = Acquire();
        var snapshot = lease.View;
        var picked = CompactionPolicy.Select(snapshot.Manifest, options);
        if (picked.Count == 0)
        {
            return CompactionResult.None;
        }

        // Only segments embedded alike merge: a model change leaves old segments apart until they are re-ingested.
        var first = snapshot.SegmentById(picked[0])!.Info;
        var sources = picked.Where(id => snapshot.SegmentById(id)!.Info is var info && info.EmbeddingModel == first.EmbeddingModel && info.Dimensions == first.Dimensions).ToArray();
        if (sources.Length == 1 && snapshot.Manifest.Segments.First(s => s.Id == sources[0]).DeletedPassages == 0)
        {
            return CompactionResult.None;
        }

        // Reading the sources and building the merged segment are long: both stay off the caller's scheduler.
        var documents = await Task.Run(() => sources.SelectMany(id => snapshot.LiveDocuments(id)).Select(live => ReadDocument(live.Segment, live.Document)).ToArray(), cancellationToken);
        var dropped = sources.Sum(id => snapshot.Manifest.Segments.First(s => s.Id == id).DeletedPassages);

        Segment? merged = null;
        string? mergedId = null;
        if (documents.Length > 0)
        {
            mergedId = SegmentBuilder.NewSegmentId();
            await BuildAndStoreAsync(mergedId, documents, first.Dimensions, first.EmbeddingModel, cancellationToken);
            merged = await OpenSegmentAsync(mergedId, cancellationToken);
        }

        bool committed;
        try
        {
            committed = await CommitAsync(view =>
            {
                if (sources.Any(id => view.SegmentById(id) is null))
                {
                    return null; // another compaction got there first
                }

                // What was deleted or replaced in the sources since the snapshot is deleted in the merged segment too.
                var tombstones = documents.Where(d => !(view.TryGetLive(d.Id, out var s, out _) && sources.Contains(s.Id))).ToArray();
                var entries = new List<ManifestSegment>();
                foreach (var entry in view.Manifest.Segments)
                {
                    if (!sources.Contains(entry.Id))
                    {
                        entries.Add(entry);
                    }
                    else if (merged is not null && entry.Id == sources[0])
                    {
                        entries.Add(new ManifestSegment(mergedId!, documents.Length, merged.Info.Passages,
                            tombstones.Select(d => d.Id).ToArray(), tombstones.Sum(d => d.Passages.Count)));
                    }
                }

                return (view.Manifest with { Segments = entries }, merged is null ? [] : [merged]);
            }, cancellationToken);
        }
        catch
        {
            // The manifest write may have landed or not: the merged files stay for the orphan sweep.
            merged?.Dispose();
            throw;
        }

        if (!committed)
        {
            merged?.Dispose();
            if (mergedId is not null)
            {
                await _store.DeleteSegmentAsync(Shard, mergedId, CancellationToken.None);
            }

            return CompactionResult.None;
        }

        foreach (var id in sources)
        {
            await _store.DeleteSegmentAsync(Shard, id, cancellationToken);
        }

        var kept = documents.Sum(d => d.Passages.Count);
        _logger.LogInformation("Shard {Shard}: compacted {Sources} segments into {Merged} ({Kept} passages kept, {Dropped} deleted passages dropped)",
            Shard, sources.Length, merged is null ? 0 : 1, kept, dropped);
        return new CompactionResult(sources.Length, merged is null ? 0 : 1, kept, dropped);
    }

    private static SegmentDocument ReadDocument(Segment segment, SegmentDocumentEntry document) =>
        new(document.Id, document.Title, document.Metadata, document.ContentHash,
            Enumerable.Range(document.FirstPassage, document.PassageCount).Select(ordinal =>
            {
                var (id, text) = segment.ReadPassage(ordinal);
                return new SegmentPassage(id, text, segment.Vectors[ordinal].ToArray());
            }).ToArray());
}
