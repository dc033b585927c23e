using Microsoft.Extensions.AI;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Retrieval.Segments;
using Orleans.SpecRag.Text;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Retrieval;

/// <summary>
/// One shard of a collection (key <c>{collection}/{shard}</c>), a thin grain over its <see cref="ShardIndex"/>:
/// activation opens the shard's segments (memory-mapped, nothing deserialised into grain state), ingestion embeds
/// the changed documents and adds them as one segment, and a timer compacts in the background.
/// </summary>
/// <remarks>
/// Reentrant: searches read an immutable view and never wait for an ingestion or a compaction, which take the
/// shard index's own write lock only around the manifest.
/// </remarks>
[AvoidDrafterSilos, Reentrant]
public sealed class CollectionShardGrain(
    ISegmentStore store,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    IOptions<RetrievalOptions> options,
    ILocalSiloDetails local,
    ILogger<CollectionShardGrain> logger) : Grain, ICollectionShardGrain
{
    private ShardIndex _index = null!;
    private Task<CompactionResult>? _compaction;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _index = await ShardIndex.OpenAsync(store, Name, options.Value.Ann, logger, cancellationToken);
        using (var lease = _index.Acquire())
        {
            logger.LogInformation("Shard {Shard}: opened {Segments} segments, {Passages} passages in {Ms:F0} ms",
                Name, lease.View.Segments.Count, lease.View.Passages, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var compaction = options.Value.Compaction;
        if (compaction.Enabled)
        {
            var period = TimeSpan.FromSeconds(Math.Max(1, compaction.IntervalSeconds));
            this.RegisterGrainTimer(_ => CompactInBackgroundAsync(), new GrainTimerCreationOptions(period, period) { Interleave = true, KeepAlive = false });
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_compaction is { IsCompleted: false } running)
        {
            try
            {
                await running;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Shard {Shard}: compaction failed during deactivation", Name);
            }
        }

        await _index.DisposeAsync();
    }

    public async Task<IngestResult> UpsertAsync(IReadOnlyList<IngestDocument> documents)
    {
        var added = 0;
        var updated = 0;
        var changed = new List<(IngestDocument Document, string Hash, IReadOnlyList<string> Chunks)>();
        documents = documents.GroupBy(d => d.Id, StringComparer.Ordinal).Select(g => g.Last()).ToArray(); // the last copy of an id wins
        using (var lease = _index.Acquire())
        {
            foreach (var document in documents)
            {
                var hash = ContentHash(document);
                if (lease.View.TryGetLive(document.Id, out var segment, out var existing))
                {
                    updated++;
                    if (existing.ContentHash == hash && segment.Info.EmbeddingModel == embedder.ModelName && segment.Info.Dimensions == embedder.Dimensions)
                    {
                        continue; // Same content, same embedder: keep the stored embeddings instead of paying for them again.
                    }
                }
                else
                {
                    added++;
                }

                changed.Add((document, hash, TextChunker.Chunk(document.Text)));
            }
        }

        var texts = changed.SelectMany(c => c.Chunks.Select(chunk => PassageText.Of(c.Document.Title, chunk))).ToArray();
        var vectors = await embedder.EmbedAsync(texts, EmbeddingPriority.Bulk);
        var next = 0;
        var segmentDocuments = new List<SegmentDocument>(changed.Count);
        foreach (var (document, hash, chunks) in changed)
        {
            var passages = chunks.Select((chunk, i) => new SegmentPassage(PassageIds.Of(document.Id, i + 1), chunk, vectors[next + i])).ToArray();
            next += chunks.Count;
            segmentDocuments.Add(new SegmentDocument(document.Id, document.Title, document.Metadata, hash, passages));
        }

        await _index.AddAsync(segmentDocuments, embedder.ModelName, embedder.Dimensions);
        logger.LogInformation("Shard {Shard}: {Added} added, {Updated} updated, {Embedded} passages embedded", Name, added, updated, texts.Length);

        using var after = _index.Acquire();
        var passageCount = documents.Select(d => d.Id).Distinct()
            .Sum(id => after.View.TryGetLive(id, out _, out var entry) ? entry.PassageCount : 0);
        return new IngestResult(Name, added, updated, passageCount);
    }

    public Task<bool> DeleteDocumentAsync(string documentId) => _index.DeleteAsync(documentId);

    public Task<int> DeleteFileDocumentsAsync(string file, IReadOnlyList<string> keep)
    {
        var kept = keep.ToHashSet(StringComparer.Ordinal);
        return _index.DeleteWhereAsync(d => d.Metadata?.GetValueOrDefault("file") == file && !kept.Contains(d.Id));
    }

    public Task<CollectionInfo> GetInfoAsync()
    {
        using var lease = _index.Acquire();
        return Task.FromResult(new CollectionInfo(Name, lease.View.Documents, lease.View.Passages));
    }

    public Task<ShardStatus> GetStatusAsync()
    {
        using var lease = _index.Acquire();
        var shard = int.Parse(Name[(Name.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return Task.FromResult(new ShardStatus(shard, lease.View.Documents, lease.View.Passages, local.SiloAddress.ToString()));
    }

    public Task<ShardHits> SearchAsync(ShardSearch search) => Task.FromResult(_index.Search(search));

    public Task<TermStatistics> GetTermStatisticsAsync(IReadOnlyList<string> terms) => Task.FromResult(_index.GetTermStatistics(terms));

    public Task<IReadOnlyList<Passage>> GetPassagesAsync(IReadOnlyList<string> passageIds) => Task.FromResult(_index.GetPassages(passageIds));

    public Task<CompactionResult> CompactAsync() => StartCompaction();

    private async Task CompactInBackgroundAsync()
    {
        try
        {
            await StartCompaction();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Shard {Shard}: background compaction failed; it is retried at the next check", Name);
        }
    }

    // One compaction at a time: a second request joins the running one.
    private Task<CompactionResult> StartCompaction() =>
        _compaction is { IsCompleted: false } running ? running : _compaction = _index.CompactAsync(options.Value.Compaction);

    private static string ContentHash(IngestDocument document) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{document.Title}\u0000{document.Text}")));
}
