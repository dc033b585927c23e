using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace Orleans.SpecRag.Tests.Gateway;

[CollectionDefinition(nameof(SoakCollection), DisableParallelization = true)]
public sealed class SoakCollection;

/// <summary>
/// The embedded default without a rate limit, for the soak; with an embedding cache of its own, as a production gateway
/// has, so the soak starts cold whichever tests ran before it (the other test gateways share one).
/// </summary>
public sealed class SoakGatewayFactory : GatewayFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["SpecRag:RateLimit:PermitsPerSecond"] = "0" };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<Orleans.SpecRag.Models.Embedding.EmbeddingCache>(_ => new Orleans.SpecRag.Models.Embedding.EmbeddingCache());
}

/// <summary>
/// A bounded loopback soak on the embedded default: 2,000 queries at concurrency 32. Zero errors, and memory
/// back near where it started after a full GC (query records are kept, so a little growth is expected).
/// It runs alone so that other tests do not disturb the memory reading. Nothing here asserts a timing.
/// </summary>
[Collection(nameof(SoakCollection))]
public sealed class SoakTests(SoakGatewayFactory gateway, ITestOutputHelper output) : IClassFixture<SoakGatewayFactory>
{
    private const int Queries = 2_000;
    private const int Concurrency = 32;

    [Fact]
    public async Task Two_thousand_queries_at_concurrency_32_all_succeed_and_memory_returns()
    {
        string[] questions = ["How are drafts scored?", "What does the verifier see?", "Where do drafter grains run?", "What is the embedded default?", "How are documents split into passages?"];
        await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = questions[0] }); // warm
        var before = MemoryAfterFullGc();

        var next = -1;
        var errors = 0;
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var firstErrors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Queries)
            {
                var sent = Stopwatch.GetTimestamp();
                var response = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = questions[i % questions.Length], seed = i % 7, drafts = 5 });
                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                {
                    if (Interlocked.Increment(ref errors) <= 5)
                    {
                        firstErrors.Enqueue($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }
                }
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var after = MemoryAfterFullGc();

        output.WriteLine($"{Queries} queries at concurrency {Concurrency}: {errors} errors, {seconds:F1} s ({Queries / seconds:F0} queries/s); managed heap after full GC {before / 1048576.0:F1} MiB before, {after / 1048576.0:F1} MiB after; latency ms p50 {Percentile(latencies, 0.5):F0}, p99 {Percentile(latencies, 0.99):F0}, max {latencies.Max():F0}");
        Assert.True(errors == 0, $"{errors} queries failed; the first: {string.Join(" | ", firstErrors)}");

        // Each stored query record is a few kilobytes in the memory storage: allow for them, not for a leak.
        Assert.True(after - before < 200L * 1024 * 1024, $"managed memory grew by {(after - before) / 1048576.0:F1} MiB");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await gateway.Client.GetAsync("/health/ready")).StatusCode);
    }

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }

    private static long MemoryAfterFullGc()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
