using System.Text;
using Orleans.SpecRag.Placement;

namespace Orleans.SpecRag.Retrieval;

/// <summary>What a collection persists about itself: that it exists and how many shards it has.</summary>
[GenerateSerializer]
public sealed class CollectionManifest
{
    [Id(0)] public bool Created { get; set; }
    [Id(1)] public int Shards { get; set; }
}

/// <summary>Settings of new collections (configuration section <c>SpecRag:Retrieval</c>).</summary>
public sealed class RetrievalOptions
{
    /// <summary>Shards of a new collection; a collection keeps the count it was created with.</summary>
    public int Shards { get; set; } = 8;
}

/// <summary>
/// A collection: routes each document to a shard by a stable hash of its id, and answers a search by asking
/// every shard for its top-K and merging them. Its own record is written once, when it is created.
/// </summary>
[AvoidDrafterSilos]
public sealed class CollectionGrain(
    [PersistentState("collection", SpecRagStorage.Name)] IPersistentState<CollectionManifest> manifest,
    Microsoft.Extensions.Options.IOptions<RetrievalOptions> options) : Grain, ICollectionGrain
{
    private string Name => this.GetPrimaryKeyString();

    public async Task<IngestResult> UpsertAsync(IReadOnlyList<IngestDocument> documents)
    {
        if (!manifest.State.Created)
        {
            manifest.State.Created = true;
            manifest.State.Shards = Math.Clamp(options.Value.Shards, 1, 1024);
            await manifest.WriteStateAsync();
        }

        var results = await Task.WhenAll(documents
            .GroupBy(d => ShardOf(d.Id, manifest.State.Shards))
            .Select(group => Shard(group.Key).UpsertAsync(group.ToArray())));
        return new IngestResult(Name, results.Sum(r => r.Added), results.Sum(r => r.Updated), results.Sum(r => r.Passages));
    }

    public Task<bool> DeleteDocumentAsync(string documentId) =>
        manifest.State.Created ? Shard(ShardOf(documentId, manifest.State.Shards)).DeleteDocumentAsync(documentId) : Task.FromResult(false);

    public async Task<CollectionInfo?> GetInfoAsync()
    {
        if (!manifest.State.Created)
        {
            return null;
        }

        var shards = await Task.WhenAll(AllShards().Select(s => s.GetInfoAsync()));
        return new CollectionInfo(Name, shards.Sum(s => s.Documents), shards.Sum(s => s.Passages));
    }

    public async Task<IReadOnlyList<Passage>> SearchAsync(float[] queryEmbedding, int topK)
    {
        if (!manifest.State.Created)
        {
            throw new CollectionNotFoundException(Name);
        }

        var perShard = await Task.WhenAll(AllShards().Select(s => s.SearchAsync(queryEmbedding, topK)));
        var merged = perShard.SelectMany(hits => hits)
            .OrderByDescending(p => p.Score)
            .ThenBy(p => p.Id, StringComparer.Ordinal)
            .Take(topK)
            .ToArray();
        return merged.Length > 0 ? merged : throw new EmptyCollectionException(Name);
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

    private ICollectionShardGrain Shard(int shard) => GrainFactory.GetGrain<ICollectionShardGrain>($"{Name}/{shard}");

    private IEnumerable<ICollectionShardGrain> AllShards() => Enumerable.Range(0, manifest.State.Shards).Select(Shard);
}
