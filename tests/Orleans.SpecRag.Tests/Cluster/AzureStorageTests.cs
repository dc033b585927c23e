using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Cluster;

/// <summary>The three-silo cluster with its collections and query records in Azure Blob storage (Azurite).</summary>
public sealed class AzureStorageClusterFixture : RoleClusterFixture
{
    public Azurite? Azurite { get; private set; }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["SpecRag:Storage"] = "azure",
        ["SpecRag:Storage:Container"] = "specrag-tests",
        ["ConnectionStrings:AzureStorage"] = Azurite?.ConnectionString,
        ["SpecRag:Retrieval:Shards"] = "8",
    };

    public override async Task InitializeAsync()
    {
        if (Support.Azurite.Executable is null)
        {
            return; // The tests skip themselves; see AzuriteFactAttribute.
        }

        Azurite = await Support.Azurite.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        if (Azurite is not null)
        {
            await base.DisposeAsync();
            await Azurite.DisposeAsync();
        }
    }
}

public sealed class AzureStorageTests(AzureStorageClusterFixture fixture) : IClassFixture<AzureStorageClusterFixture>
{
    [AzuriteFact]
    public async Task Ingesting_one_document_writes_one_small_segment_and_its_shards_manifest_and_nothing_else()
    {
        var collection = fixture.Grains.GetGrain<ICollectionGrain>("sharded");
        var documents = Enumerable.Range(0, 64).Select(i => new IngestDocument($"doc-{i}", $"Title {i}", $"Document {i} talks about subject {i % 9}. It is short.", null)).ToArray();
        await collection.UpsertAsync(documents);

        var container = new BlobServiceClient(fixture.Azurite!.ConnectionString).GetBlobContainerClient("specrag-tests-segments");
        var before = await SnapshotAsync(container);
        Assert.Equal(8, before.Keys.Count(name => name.StartsWith("records/sharded/", StringComparison.Ordinal) && name.EndsWith("/manifest.json", StringComparison.Ordinal)));

        var result = await collection.UpsertAsync([new IngestDocument("doc-new", "New", "A brand new document about subject 4.", null)]);
        Assert.Equal(1, result.Added);

        var after = await SnapshotAsync(container);
        var changed = after.Where(kv => !before.TryGetValue(kv.Key, out var old) || old.ETag != kv.Value.ETag).Select(kv => kv.Key).ToArray();
        Assert.DoesNotContain(before.Keys, name => !after.ContainsKey(name)); // nothing rewritten in place or removed
        var shard = SpecRag.Retrieval.CollectionGrain.ShardOf("doc-new", 8);
        Assert.Contains($"records/sharded/{shard}/manifest.json", changed);
        var segment = Assert.Single(changed.Where(n => n.Contains("/segments/", StringComparison.Ordinal)).Select(n => n.Split('/')[4]).Distinct());
        Assert.All(changed, name => Assert.True(name == $"records/sharded/{shard}/manifest.json" || name.StartsWith($"shards/sharded/{shard}/segments/{segment}/", StringComparison.Ordinal), name));

        // What one document wrote is a small fraction of what 64 wrote, and is read back after the shard moves.
        var written = changed.Sum(name => after[name].Size);
        var total = after.Values.Sum(v => v.Size);
        Assert.True(written < total / 4, $"one document wrote {written} of {total} bytes");
        // Without the silos' local copies, the shard's next activation downloads its segments from the blobs.
        await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<ICollectionShardGrain>($"sharded/{shard}"));
        Directory.Delete(Path.Combine(fixture.DataPath, "segment-cache"), recursive: true);
        var info = await collection.GetInfoAsync();
        Assert.Equal((65, 65), (info!.Documents, info.Passages));
    }

    [AzuriteFact]
    public async Task A_query_result_is_read_back_from_blob_storage_after_its_grain_is_gone()
    {
        fixture.Drafter.Reset(participants: 1);
        var id = Guid.NewGuid().ToString("N");
        var result = await fixture.Grains.GetGrain<IQueryGrain>(id).RunAsync(new QueryRequest
        {
            Question = "What is stored?",
            Documents = [new("a", null, "Alpha is stored. Beta is not."), new("b", null, "Gamma is stored too."), new("c", null, "Delta is lost.")],
            TopK = 3,
            Drafts = 3,
        });

        await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IQueryGrain>(id));
        var stored = await fixture.Grains.GetGrain<IQueryGrain>(id).GetResultAsync();

        Assert.NotNull(stored);
        Assert.Equal(result.Answer, stored.Answer);
        Assert.Equal(result.Drafts.Select(d => (d.Index, d.Scores.Total)), stored.Drafts.Select(d => (d.Index, d.Scores.Total)));
    }

    private static async Task<Dictionary<string, (Azure.ETag ETag, long Size)>> SnapshotAsync(BlobContainerClient container)
    {
        var blobs = new Dictionary<string, (Azure.ETag, long)>();
        await foreach (BlobItem blob in container.GetBlobsAsync())
        {
            blobs[blob.Name] = (blob.Properties.ETag!.Value, blob.Properties.ContentLength ?? 0);
        }

        return blobs;
    }
}
