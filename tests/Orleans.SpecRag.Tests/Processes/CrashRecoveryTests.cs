using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orleans.SpecRag.Tests.Gateway;
using Orleans.SpecRag.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.SpecRag.Tests.Processes;

/// <summary>
/// The embedded gateway as a real process on its local data directory, killed with SIGKILL while it writes
/// segments and manifests, then started again on the same directory.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const string OperatorKey = "crash-test-operator-key";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(120), DefaultRequestHeaders = { { "X-Api-Key", OperatorKey } } };

    private static Dictionary<string, string> Environment(string dataPath) => new()
    {
        ["SpecRag__DataPath"] = dataPath,
        ["SpecRag__DemoCorpus__Enabled"] = "false",
        ["SpecRag__Auth__ApiKeys"] = OperatorKey,
        ["Orleans__Endpoints__SiloPort"] = FreePort.Next().ToString(),
        ["Orleans__Endpoints__GatewayPort"] = FreePort.Next().ToString(),
        ["Orleans__ClusterId"] = "crash-" + Guid.NewGuid().ToString("N")[..8],
    };

    private static string Ndjson(int from, int count) =>
        string.Join('\n', Enumerable.Range(from, count).Select(i => JsonSerializer.Serialize(new { id = $"d{i}", text = $"Record {i} is filed under shelf {i % 37}." })));

    [Fact]
    public async Task A_gateway_killed_while_it_writes_segments_loses_nothing_acknowledged_and_shows_no_half_written_batch()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "specrag-tests", "crash-" + Guid.NewGuid().ToString("N"));
        await using (var gateway = HostProcess.Start("gateway-crash", "Gateway", "Orleans.SpecRag.Gateway", Environment(dataPath)))
        {
            await gateway.WaitUntilReadyAsync(_http, TimeSpan.FromSeconds(90));
            var acknowledged = await _http.PostAsync($"{gateway.BaseUrl}/v1/collections/crash/documents", new StringContent(Ndjson(0, 400), Encoding.UTF8, "application/x-ndjson"));
            Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);

            // A long upload (batches of 1,000 → a segment and a manifest write per shard per batch), killed mid-way.
            var upload = _http.PostAsync($"{gateway.BaseUrl}/v1/collections/crash/documents", new StringContent(Ndjson(400, 6000), Encoding.UTF8, "application/x-ndjson"));
            await WaitForSegmentsBeyondAsync(dataPath, 8, TimeSpan.FromSeconds(60));
            gateway.Kill();
            await Assert.ThrowsAnyAsync<Exception>(() => upload);
        }

        var segments = Directory.EnumerateDirectories(Path.Combine(dataPath, "shards"), "*", SearchOption.AllDirectories)
            .Count(d => Path.GetFileName(Path.GetDirectoryName(d)) == "segments");

        // What the data directory shows, read with the product's own shard index: every batch of the killed upload is,
        // within each shard, entirely visible or not at all, and everything acknowledged before the kill is there.
        var store = new SpecRag.Retrieval.Segments.LocalSegmentStore(dataPath);
        var visible = new HashSet<string>();
        for (var shard = 0; shard < 8; shard++)
        {
            await using var index = await SpecRag.Retrieval.Segments.ShardIndex.OpenAsync(store, $"crash/{shard}", new(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            using var lease = index.Acquire();
            visible.UnionWith(lease.View.Segments.SelectMany(s => lease.View.LiveDocuments(s.Id)).Select(d => d.Document.Id));
        }

        Assert.True(Enumerable.Range(0, 400).All(i => visible.Contains($"d{i}")), "a document acknowledged before the kill is missing");
        for (var batch = 0; batch < 6; batch++)
        {
            foreach (var part in Enumerable.Range(400 + (batch * 1000), 1000).Select(i => $"d{i}").GroupBy(id => SpecRag.Retrieval.CollectionGrain.ShardOf(id, 8)))
            {
                var shown = part.Count(visible.Contains);
                Assert.True(shown == 0 || shown == part.Count(), $"batch {batch} shows {shown} of its {part.Count()} documents in shard {part.Key}");
            }
        }
        await using var restarted = HostProcess.Start("gateway-restarted", "Gateway", "Orleans.SpecRag.Gateway", Environment(dataPath));
        await restarted.WaitUntilReadyAsync(_http, TimeSpan.FromSeconds(90));

        var info = (await _http.GetFromJsonAsync<CollectionInfo>($"{restarted.BaseUrl}/v1/collections/crash", GatewayJson.Options))!;
        output.WriteLine($"after the kill: {segments} segment directories on disk, {info.Documents} documents visible");
        Assert.Equal(visible.Count, info.Documents);
        Assert.InRange(info.Documents, 400, 6400);
        Assert.Equal(info.Documents, info.Passages); // one passage each: no document is visible in part or twice

        var probe = await PostAsync<QueryResult>(restarted, "/v1/query", new { question = "Record 7 shelf 7", collection = "crash", retrieval = "lexical", mode = "standard", topK = 100 });
        Assert.Equal(probe.Citations.Count, probe.Citations.Select(c => c.Id).Distinct().Count());
        Assert.Contains(probe.Citations, c => c.Id == "d7#1"); // acknowledged before the kill

        // The upload can simply be sent again: what was written is recognised, the rest is added.
        var retried = await _http.PostAsync($"{restarted.BaseUrl}/v1/collections/crash/documents", new StringContent(Ndjson(400, 6000), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var result = (await retried.Content.ReadFromJsonAsync<IngestResult>(GatewayJson.Options))!;
        Assert.Equal((6000, info.Documents - 400), (result.Added + result.Updated, result.Updated));
        info = (await _http.GetFromJsonAsync<CollectionInfo>($"{restarted.BaseUrl}/v1/collections/crash", GatewayJson.Options))!;
        Assert.Equal((6400, 6400), (info.Documents, info.Passages));
        Directory.Delete(dataPath, recursive: true);
    }

    private static async Task WaitForSegmentsBeyondAsync(string dataPath, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var shards = Path.Combine(dataPath, "shards");
            if (Directory.Exists(shards) && Directory.EnumerateDirectories(shards, "*", SearchOption.AllDirectories).Count(d => Path.GetFileName(Path.GetDirectoryName(d)) == "segments") > count)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The upload wrote no segment in time.");
    }

    private async Task<T> PostAsync<T>(HostProcess host, string path, object body)
    {
        var response = await _http.PostAsJsonAsync($"{host.BaseUrl}{path}", body);
        Assert.True(response.IsSuccessStatusCode, $"{path} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(GatewayJson.Options))!;
    }
}
