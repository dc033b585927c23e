using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Retrieval.Segments;

namespace Orleans.SpecRag.Retrieval;

/// <summary>
/// A collection: routes each document to a shard by a stable hash of its id, and answers a search by asking
/// every shard for its best hits, fusing them into one ranking and fetching only the passages it keeps. Its own
/// record (the shard count) is written once, when it is created, in the segment store beside its shards.
/// </summary>
[AvoidDrafterSilos]
[Orleans.Concurrency.Reentrant]
public sealed class CollectionGrain(ISegmentStore store, IOptions<RetrievalOptions> options) : Grain, ICollectionGrain
{
    private CollectionRecord? _record;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ReadRecordAsync(RecordPath(Name), cancellationToken);
        _record = stored is null ? null : JsonSerializer.Deserialize<CollectionRecord>(stored.Content, SegmentFiles.Json);
        if (_record is not null)
        {
            // Collections made before the catalog existed join it here; for the others this is a no-op. Not awaited:
            // an activation is on a query's path, and after a silo dies the catalog may be waiting to move with it.
            GrainFactory.GetGrain<ICollectionCatalogGrain>(0).AddAsync(Name).Ignore();
        }
    }

    public async Task<IngestResult> UpsertAsync(IReadOnlyList<IngestDocument> documents)
    {
        var record = _record ?? await CreateAsync();
        var results = await Task.WhenAll(documents
            .GroupBy(d => ShardOf(d.Id, record.Shards))
            .Select(group => Shard(group.Key).UpsertAsync(group.ToArray())));
        return new IngestResult(Name, results.Sum(r => r.Added), results.Sum(r => r.Updated), results.Sum(r => r.Passages));
    }

    public Task<bool> DeleteDocumentAsync(string documentId) =>
        _record is { } record ? Shard(ShardOf(documentId, record.Shards)).DeleteDocumentAsync(documentId) : Task.FromResult(false);

    public async Task<int> DeleteFileDocumentsAsync(string file, IReadOnlyList<string> keep) =>
        _record is { } record ? (await Task.WhenAll(AllShards(record).Select(s => s.DeleteFileDocumentsAsync(file, keep)))).Sum() : 0;

    public async Task<CollectionInfo?> GetInfoAsync()
    {
        if (_record is not { } record)
        {
            return null;
        }

        var shards = await Task.WhenAll(AllShards(record).Select(s => s.GetInfoAsync()));
        return new CollectionInfo(Name, shards.Sum(s => s.Documents), shards.Sum(s => s.Passages));
    }

    public async Task<IReadOnlyList<ShardStatus>?> GetShardsAsync() =>
        _record is { } record ? await Task.WhenAll(AllShards(record).Select(s => s.GetStatusAsync())) : null;

    public async Task<IReadOnlyList<Passage>> SearchAsync(RetrievalQuery query)
    {
        if (_record is not { } record)
        {
            throw new CollectionNotFoundException(Name);
        }

        var settings = options.Value;
        var search = new ShardSearch(query.Text, query.Embedding, Math.Max(query.TopK, settings.FusionDepth), query.Mode);
        var perShard = await Task.WhenAll(AllShards(record).Select(s => s.SearchAsync(search)));
        var fetched = new Dictionary<string, Passage>(StringComparer.Ordinal); // the feedback passages usually make the top-K too
        if (query.Mode == RetrievalMode.Hybrid && settings.Feedback is { Enabled: true, Passages: > 0, Terms: > 0 } feedback)
        {
            perShard = await WithFeedbackAsync(record, search, perShard, feedback, settings.RrfK, fetched);
        }

        var fused = HybridFusion.Fuse(perShard, query.TopK, query.Mode, settings.RrfK);
        if (fused.Count == 0)
        {
            // Nothing matched: either there is nothing to match, or (lexical) no passage shares a word with the question.
            return (await GetInfoAsync())?.Passages > 0 ? [] : throw new EmptyCollectionException(Name);
        }

        var byId = await FetchAsync(record, fused, fetched);

        // A passage deleted between the two calls is left out rather than returned without its text.
        return fused.Where(hit => byId.ContainsKey(hit.PassageId))
            .Select(hit => byId[hit.PassageId] with { Score = hit.Score, DenseRank = hit.DenseRank, LexicalRank = hit.LexicalRank })
            .ToArray();
    }

    /// <summary>
    /// The lexical side searched again with the question expanded by the words of the first round's best passages
    /// (<see cref="Lexical.LexicalFeedback"/>); the dense side stays as it was.
    /// </summary>
    private async Task<ShardHits[]> WithFeedbackAsync(CollectionRecord record, ShardSearch search, ShardHits[] firstRound,
        Lexical.FeedbackOptions feedback, int rrfK, Dictionary<string, Passage> fetched)
    {
        var best = HybridFusion.Fuse(firstRound, feedback.Passages, RetrievalMode.Hybrid, rrfK);
        var texts = (await FetchAsync(record, best, fetched)).Values.Select(p => Segments.PassageText.Of(p.Title, p.Text));
        var candidates = Lexical.LexicalFeedback.Candidates(search.Text, texts);
        if (candidates.Count == 0)
        {
            return firstRound;
        }

        var terms = candidates.Keys.ToArray();
        var statistics = await Task.WhenAll(AllShards(record).Select(s => s.GetTermStatisticsAsync(terms)));
        var frequencies = terms.Select((_, i) => statistics.Sum(s => s.DocumentFrequencies[i])).ToArray();
        var expansion = Lexical.LexicalFeedback.Select(terms, candidates, statistics.Sum(s => s.Passages), frequencies, feedback.Terms, feedback.Weight);
        var expanded = await Task.WhenAll(AllShards(record).Select(s => s.SearchAsync(search with { Mode = RetrievalMode.Lexical, Expansion = expansion })));
        return firstRound.Zip(expanded, (first, second) => new ShardHits(first.Dense, second.Lexical)).ToArray();
    }

    /// <summary>The hits' passages: those already in <paramref name="known"/>, and the rest fetched from their shards into it.</summary>
    private async Task<Dictionary<string, Passage>> FetchAsync(CollectionRecord record, IReadOnlyList<HybridFusion.FusedHit> hits, Dictionary<string, Passage> known)
    {
        var fetched = await Task.WhenAll(hits
            .Where(hit => !known.ContainsKey(hit.PassageId))
            .GroupBy(hit => ShardOf(hit.DocumentId, record.Shards))
            .Select(group => Shard(group.Key).GetPassagesAsync(group.Select(h => h.PassageId).ToArray())));
        foreach (var passage in fetched.SelectMany(p => p))
        {
            known[passage.Id] = passage;
        }

        return hits.Where(hit => known.ContainsKey(hit.PassageId)).ToDictionary(hit => hit.PassageId, hit => known[hit.PassageId], StringComparer.Ordinal);
    }

    public async Task<CompactionResult> CompactAsync()
    {
        if (_record is not { } record)
        {
            throw new CollectionNotFoundException(Name);
        }

        var results = await Task.WhenAll(AllShards(record).Select(s => s.CompactAsync()));
        return results.Aggregate(CompactionResult.None, (a, b) => a.Add(b));
    }

    /// <summary>FNV-1a over the id's UTF-8 bytes: stable across processes and .NET versions, unlike string.GetHashCode.</summary>
    public static int ShardOf(string documentId, int shards)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(documentId))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)shards);
    }

    public static string RecordPath(string collection) => $"{collection}/collection";

    private async Task<CollectionRecord> CreateAsync()
    {
        var record = new CollectionRecord(Math.Clamp(options.Value.Shards, 1, 1024), DateTimeOffset.UtcNow);
        try
        {
            await store.WriteRecordAsync(RecordPath(Name), JsonSerializer.SerializeToUtf8Bytes(record, SegmentFiles.Json), expectedETag: null);
        }
        catch (ETagMismatchException)
        {
            // Created meanwhile by another activation (a failover race): its shard count wins.
            var stored = await store.ReadRecordAsync(RecordPath(Name));
            record = JsonSerializer.Deserialize<CollectionRecord>(stored!.Content, SegmentFiles.Json)!;
        }

        await GrainFactory.GetGrain<ICollectionCatalogGrain>(0).AddAsync(Name);
        return _record = record;
    }

    private ICollectionShardGrain Shard(int shard) => GrainFactory.GetGrain<ICollectionShardGrain>($"{Name}/{shard}");

    private IEnumerable<ICollectionShardGrain> AllShards(CollectionRecord record) => Enumerable.Range(0, record.Shards).Select(Shard);
}
