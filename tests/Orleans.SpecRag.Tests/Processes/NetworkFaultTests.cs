using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.SpecRag.Tests.Gateway;
using Orleans.SpecRag.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.SpecRag.Tests.Processes;

/// <summary>Runs alone: its bounds are on latency, which other suites' load on this machine would distort.</summary>
[CollectionDefinition(nameof(NetworkFaultCollection), DisableParallelization = true)]
public sealed class NetworkFaultCollection : ICollectionFixture<LabCluster>;

/// <summary>
/// Faults on real hosts under concurrent load (four clients asking without pause, every fourth query as an event stream): a silo killed (SIGKILL), a host cut
/// off the network for 20 s, a drafter stopped (SIGTERM), every process restarted. Each scenario asserts that no query
/// failed (every answer a 200, possibly partial with the missing drafts named), that the slowest took no longer than
/// its deadline + 5 s, that no acknowledged document and no stored query was lost, and that membership converged: the
/// silo that went is declared dead and the one started again joins. The cluster uses the product's default settings.
/// </summary>
[Collection(nameof(NetworkFaultCollection))]
public sealed class NetworkFaultTests(LabCluster cluster, ITestOutputHelper output)
{
    private const int DeadlineMs = 30_000; // SpecRag:Query:DefaultDeadlineMs, which the queries use
    private const int Clients = 4;
    private const int QueriesBeforeFault = 6;
    private const int QueriesAfterFault = 12;
    private const int MaxQueries = 600;
    private static readonly TimeSpan Partition = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions Json = GatewayJson.Options;

    [NetworkLabFact]
    public async Task Killing_the_gateway_silo_the_client_is_connected_to_fails_its_queries_over_to_the_other_gateway()
    {
        var gatewayLogBefore = FailoverLogLines();
        var report = await RunScenarioAsync("kill -9 verifier/gateway silo", load => KillAsync(load, "verifier-a"));

        Assert.True(report.InFlightAtFault > 0, "no query was in flight when the gateway silo was killed");
        Assert.True(FailoverLogLines() > gatewayLogBefore, "the gateway sent no call again after losing a gateway");
    }

    [NetworkLabFact]
    public async Task Killing_a_drafter_silo_loses_no_query()
    {
        await RunScenarioAsync("kill -9 drafter silo", load => KillAsync(load, "drafter-a"));
    }

    [NetworkLabFact]
    public async Task Stopping_a_drafter_silo_lets_its_drafts_finish()
    {
        await RunScenarioAsync("SIGTERM drafter silo", async load =>
        {
            var address = await cluster.ActiveAddressAsync("drafter-b");
            await load.WhenInFlightAsync();
            load.MarkFault();
            cluster["drafter-b"].Terminate();
            await cluster["drafter-b"].WaitForExitAsync(TimeSpan.FromSeconds(60));
            load.DeclaredDeadAt = await cluster.WaitDeclaredDeadAsync(address);
        });
    }

    [NetworkLabFact]
    public async Task Killing_the_silo_that_hosts_collection_shards_during_ingestion_loses_no_document()
    {
        var report = await RunScenarioAsync("kill -9 shard host during ingestion", async load =>
        {
            var shards = await cluster.Http.GetFromJsonAsync<JsonElement[]>($"{cluster.Gateway.BaseUrl}/v1/collections/{LabCluster.Collection}/shards", Json);
            var host = shards!.GroupBy(s => s.GetProperty("silo").GetString()!).MaxBy(g => g.Count())!;
            var node = LabCluster.Silos.Single(n => host.Key.StartsWith($"S{cluster.HostOf(n).Address}:", StringComparison.Ordinal));
            output.WriteLine($"{node} hosts {host.Count()} of {shards!.Length} shards");
            await load.WhenIngestedAsync(2);
            load.MarkFault();
            cluster[node].Kill();
            load.DeclaredDeadAt = await cluster.WaitDeclaredDeadAsync(host.Key);
        }, ingest: true);

        Assert.True(report.DocumentsIngested > 0);
    }

    [NetworkLabFact]
    public async Task Cutting_a_drafter_host_off_the_network_for_20_seconds_loses_no_query()
    {
        await RunScenarioAsync("partition drafter host 20 s", async load => await PartitionAsync(load, "drafter-b"));
    }

    [NetworkLabFact]
    public async Task Cutting_a_verifier_host_off_the_network_for_20_seconds_loses_no_query()
    {
        await RunScenarioAsync("partition verifier/gateway host 20 s", async load => await PartitionAsync(load, "verifier-b"), ingest: true);
    }

    [NetworkLabFact]
    public async Task Restarting_every_silo_and_the_gateway_keeps_every_document_and_query()
    {
        await RunScenarioAsync("full restart", async load =>
        {
            // A planned restart of everything: traffic is drained first, as a load balancer would, since no process is left to take it.
            await load.PauseAsync();
            load.MarkFault();
            await cluster.StopAllAsync();
            foreach (var node in LabCluster.Silos.Append("gateway"))
            {
                cluster.Start(node);
            }

            await cluster.EnsureHealthyAsync();
            load.DeclaredDeadAt = Stopwatch.GetTimestamp();
            load.Resume();
        });
    }

    /// <summary>SIGKILL of the node's silo while queries are in flight; done when membership has declared it dead.</summary>
    private async Task KillAsync(Load load, string node)
    {
        var address = await cluster.ActiveAddressAsync(node);
        await load.WhenInFlightAsync();
        load.MarkFault();
        cluster[node].Kill();
        load.DeclaredDeadAt = await cluster.WaitDeclaredDeadAsync(address);
    }

    private async Task PartitionAsync(Load load, string node)
    {
        var address = await cluster.ActiveAddressAsync(node);
        var host = cluster.HostOf(node);
        await load.WhenInFlightAsync();
        load.MarkFault();
        NetworkLab.Cut(host);
        try
        {
            var declared = cluster.WaitDeclaredDeadAsync(address);
            await Task.Delay(Partition);
            // Declared dead while cut off: the rest of the cluster did not wait for the host to come back.
            Assert.True(declared.IsCompletedSuccessfully, $"{address} was not declared dead during the {Partition.TotalSeconds:F0} s partition");
            load.DeclaredDeadAt = await declared;
        }
        finally
        {
            NetworkLab.Restore(host);
        }

        // Back on the network, the silo learns it was declared dead and stops itself; its pod would then be restarted.
        var process = cluster[node];
        var exited = await Task.WhenAny(process.WaitForExitAsync(TimeSpan.FromSeconds(60)), Task.Delay(TimeSpan.FromSeconds(60)));
        output.WriteLine(process.HasExited ? $"{node} stopped itself after the partition" : $"{node} was still running 60 s after the partition; killed");
        if (!process.HasExited)
        {
            process.Kill();
        }
    }

    // ---- The load and what it measured -------------------------------------------------------------------

    private sealed record Outcome(int Index, HttpStatusCode Status, QueryResult? Result, string Body, long StartedAt, long CompletedAt)
    {
        public double LatencyMs => Stopwatch.GetElapsedTime(StartedAt, CompletedAt).TotalMilliseconds;
    }

    private sealed record Report(string Scenario, int Queries, int Failed, int Partial, int InFlightAtFault, double P50Ms, double P99Ms, double MaxMs,
        double DeclaredDeadS, double RecoveredS, int DocumentsIngested);

    /// <summary>The clients' side of a scenario: the fault script waits on it and marks when the fault happened.</summary>
    private sealed class Load
    {
        private readonly ConcurrentDictionary<int, long> _inFlight = new();
        private volatile TaskCompletionSource _resumed = CompletedSource();
        private int _running;

        public ConcurrentBag<Outcome> Outcomes { get; } = [];

        public int Completed => Outcomes.Count;

        public int Ingested;

        /// <summary>Queries sent again after a 429 (the rate limit, not a fault).</summary>
        public int RateLimited;

        public long FaultAt { get; private set; }

        public long DeclaredDeadAt { get; set; }

        public int InFlightAtFault { get; private set; }

        public Task Resumed => _resumed.Task;

        public void MarkFault()
        {
            FaultAt = Stopwatch.GetTimestamp();
            InFlightAtFault = _inFlight.Count;
        }

        public async Task WhenInFlightAsync()
        {
            await LabCluster.WaitForAsync(() => Task.FromResult(Completed >= QueriesBeforeFault && !_inFlight.IsEmpty), TimeSpan.FromSeconds(120), "queries in flight");
        }

        public async Task WhenIngestedAsync(int batches)
        {
            await LabCluster.WaitForAsync(() => Task.FromResult(Volatile.Read(ref Ingested) >= batches * 5 && Completed >= QueriesBeforeFault), TimeSpan.FromSeconds(120), "ingestion to run");
        }

        public async Task PauseAsync()
        {
            await LabCluster.WaitForAsync(() => Task.FromResult(Completed >= QueriesBeforeFault), TimeSpan.FromSeconds(120), "queries before the fault");
            _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await LabCluster.WaitForAsync(() => Task.FromResult(Volatile.Read(ref _running) == 0), TimeSpan.FromSeconds(120), "the clients to drain");
        }

        public void Resume() => _resumed.TrySetResult();

        public IDisposable Track(int index)
        {
            _inFlight[index] = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _running);
            return new Untrack(this, index);
        }

        private sealed class Untrack(Load load, int index) : IDisposable
        {
            public void Dispose()
            {
                load._inFlight.TryRemove(index, out _);
                Interlocked.Decrement(ref load._running);
            }
        }

        private static TaskCompletionSource CompletedSource()
        {
            var source = new TaskCompletionSource();
            source.SetResult();
            return source;
        }
    }

    private async Task<Report> RunScenarioAsync(string scenario, Func<Load, Task> fault, bool ingest = false)
    {
        Assert.True(cluster.Started, "the lab cluster did not start");
        await cluster.EnsureHealthyAsync();
        // Each scenario answers for its own documents: what the collection held before it, plus what it acknowledged.
        var documentsBefore = (await GetPolitelyAsync<CollectionInfo>($"/v1/collections/{LabCluster.Collection}")).Documents;
        var load = new Load();
        var next = -1;
        var faultDone = 0;
        var afterFault = 0;
        using var stop = new CancellationTokenSource();
        var script = Task.Run(async () =>
        {
            try
            {
                await fault(load);
            }
            finally
            {
                Volatile.Write(ref faultDone, 1);
            }
        });

        async Task Client()
        {
            while (!stop.IsCancellationRequested)
            {
                await load.Resumed;
                var i = Interlocked.Increment(ref next);
                if (i >= MaxQueries)
                {
                    return;
                }

                Outcome outcome;
                using (load.Track(i))
                {
                    if (!load.Resumed.IsCompleted)
                    {
                        continue; // paused between the check and the start: not sent (its index stays unused)
                    }

                    var started = Stopwatch.GetTimestamp();
                    // Every fourth query reads the server-sent event stream, which must end with its answer too.
                    var streamed = i % 4 == 3;
                    // The four clients share one address, so the gateway's per-client rate limit (100 a second) counts them
                    // as one; with warm caches they can ask faster than that. Like any well-behaved client they wait as a 429
                    // asks (Retry-After) and send again; the wait counts in the query's latency, and a query still refused
                    // at its deadline is a failed one.
                    var response = await AskAsync();
                    while (response.StatusCode == HttpStatusCode.TooManyRequests && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMilliseconds(DeadlineMs))
                    {
                        var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                        response.Dispose();
                        Interlocked.Increment(ref load.RateLimited);
                        await Task.Delay(wait);
                        response = await AskAsync();
                    }

                    Task<HttpResponseMessage> AskAsync() => cluster.Http.PostAsJsonAsync($"{cluster.Gateway.BaseUrl}/v1/query", new
                    {
                        question = $"Which river does document {i % LabCluster.SeedDocuments} mention?",
                        collection = LabCluster.Collection,
                        drafts = 4,
                        topK = 8,
                        seed = i,
                        stream = streamed,
                    });

                    using var answered = response;
                    var body = await response.Content.ReadAsStringAsync();
                    var status = response.StatusCode;
                    QueryResult? result = null;
                    if (response.IsSuccessStatusCode)
                    {
                        var json = streamed ? AnswerEventOf(body) : body;
                        result = json is null ? null : JsonSerializer.Deserialize<QueryResult>(json, Json);
                        if (result is null)
                        {
                            status = HttpStatusCode.BadGateway; // a stream that ended without its answer is a failed query
                        }
                    }

                    outcome = new Outcome(i, status, result, body, started, Stopwatch.GetTimestamp());
                }

                load.Outcomes.Add(outcome);
                if (Volatile.Read(ref faultDone) == 1 && Interlocked.Increment(ref afterFault) >= QueriesAfterFault)
                {
                    await stop.CancelAsync();
                }
            }
        }

        var ingested = new ConcurrentBag<(HttpStatusCode Status, string Body)>();
        async Task Ingestion()
        {
            for (var batch = 0; !stop.IsCancellationRequested && batch < 200; batch++)
            {
                await load.Resumed;
                var documents = Enumerable.Range(0, 5).Select(j => new
                {
                    id = $"{scenario.Replace(' ', '-')}-{batch}-{j}",
                    title = $"Ingested {batch}",
                    text = $"Batch {batch} document {j} of the scenario mentions lake number {batch * 5 + j}.",
                }).ToArray();
                using var response = await cluster.Http.PostAsJsonAsync($"{cluster.Gateway.BaseUrl}/v1/collections/{LabCluster.Collection}/documents", new { documents });
                ingested.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Add(ref load.Ingested, documents.Length);
                }
            }
        }

        var workers = Enumerable.Range(0, Clients).Select(_ => Task.Run(Client)).ToList();
        if (ingest)
        {
            workers.Add(Task.Run(Ingestion));
        }

        try
        {
            await script;
        }
        finally
        {
            await Task.WhenAll(workers);
        }

        var outcomes = load.Outcomes.OrderBy(o => o.Index).ToArray();
        output.WriteLine($"{scenario}: {load.RateLimited} queries sent again after a 429 (the rate limit)");
        var failed = outcomes.Where(o => o.Status != HttpStatusCode.OK).ToArray();
        var latencies = outcomes.Select(o => o.LatencyMs).Order().ToArray();
        var afterFaultOutcomes = outcomes.Where(o => o.CompletedAt > load.FaultAt).ToArray();
        var normal = outcomes.Where(o => o.CompletedAt < load.FaultAt).Select(o => o.LatencyMs).DefaultIfEmpty(0).Max();
        // Recovered: from the fault to the end of the last query that was partial or slower than any before the fault.
        var disturbed = afterFaultOutcomes.Where(o => o.Result is null || o.Result.Partial || o.LatencyMs > Math.Max(2 * normal, 1_000)).ToArray();
        var recoveredAt = disturbed.Length == 0 ? load.FaultAt : disturbed.Max(o => o.CompletedAt);
        var report = new Report(scenario, outcomes.Length, failed.Length, outcomes.Count(o => o.Result?.Partial == true), load.InFlightAtFault,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.LastOrDefault(),
            load.DeclaredDeadAt == 0 ? double.NaN : Stopwatch.GetElapsedTime(load.FaultAt, load.DeclaredDeadAt).TotalSeconds,
            Stopwatch.GetElapsedTime(load.FaultAt, recoveredAt).TotalSeconds, load.Ingested);
        Write(report);
        foreach (var slow in outcomes.Where(o => o.LatencyMs > 10_000).OrderByDescending(o => o.LatencyMs).Take(3))
        {
            output.WriteLine($"slow: {slow.LatencyMs:F0} ms, started {Stopwatch.GetElapsedTime(load.FaultAt, slow.StartedAt).TotalSeconds:F1} s after the fault: " +
                (slow.Result is { } r ? JsonSerializer.Serialize(new { r.Id, r.Timings, r.FailedDrafts, r.MissingDrafts }, Json) : Shorten(slow.Body)));
        }

        // 0 failed queries: every answer a 200 with an answer, the drafts accounted for.
        Assert.True(failed.Length == 0, $"{failed.Length} of {outcomes.Length} queries failed: " +
            string.Join("; ", failed.Take(5).Select(o => $"{(int)o.Status} after {o.LatencyMs:F0} ms: {Shorten(o.Body)}")));
        Assert.All(outcomes, o =>
        {
            Assert.False(string.IsNullOrWhiteSpace(o.Result!.Answer));
            Assert.Equal(4, o.Result.Drafts.Count + o.Result.MissingDrafts.Count + o.Result.FailedDrafts.Count);
        });
        Assert.True(afterFaultOutcomes.Length >= QueriesAfterFault, $"only {afterFaultOutcomes.Length} queries ran after the fault");
        Assert.True(report.MaxMs <= DeadlineMs + 5_000, $"the slowest query took {report.MaxMs:F0} ms, past its {DeadlineMs} ms deadline + 5 s");
        Assert.All(ingested, i => Assert.True(i.Status == HttpStatusCode.OK, $"an ingestion failed: {(int)i.Status} {Shorten(i.Body)}"));

        // Membership converges: the node that went is declared dead (above), and the one started again joins.
        await cluster.EnsureHealthyAsync();

        // Nothing lost: every acknowledged document is in the collection, every answered query is stored as answered.
        var info = await GetPolitelyAsync<CollectionInfo>($"/v1/collections/{LabCluster.Collection}");
        Assert.Equal(documentsBefore + load.Ingested, info.Documents);
        foreach (var outcome in outcomes)
        {
            var stored = await GetPolitelyAsync<QueryResult>($"/v1/queries/{outcome.Result!.Id}");
            Assert.Equal(outcome.Result.Answer, stored!.Answer);
        }

        Assert.Equal(outcomes.Length, outcomes.Select(o => o.Result!.Id).Distinct().Count());
        return report;
    }

    /// <summary>A GET that waits as the gateway's rate limiter asks (429 with Retry-After), as a well-behaved client does.</summary>
    private async Task<T> GetPolitelyAsync<T>(string path)
    {
        while (true)
        {
            using var response = await cluster.Http.GetAsync(cluster.Gateway.BaseUrl + path);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }

            Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync())}");
            return (await response.Content.ReadFromJsonAsync<T>(Json))!;
        }
    }

    /// <summary>The data of the stream's <c>answer</c> event, or null when the stream ended without one.</summary>
    private static string? AnswerEventOf(string stream)
    {
        string? currentEvent = null;
        foreach (var line in stream.Split('\n'))
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                currentEvent = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal) && currentEvent == "answer")
            {
                return line["data:".Length..].Trim();
            }
        }

        return null;
    }

    private int FailoverLogLines() =>
        cluster.Gateway.Output.Count(line => line.Contains("A gateway was lost while a query was in flight", StringComparison.Ordinal));

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private void Write(Report r)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {r.Scenario} | {r.Queries} | {r.Failed} | {r.Partial} | {r.InFlightAtFault} | {r.P50Ms:F0} | {r.P99Ms:F0} | {r.MaxMs:F0} | {r.DeclaredDeadS:F1} | {r.RecoveredS:F1} | {r.DocumentsIngested} |");
        output.WriteLine("| scenario | queries | failed | partial | in flight at fault | p50 ms | p99 ms | max ms | declared dead s | recovered s | documents ingested |");
        output.WriteLine(line);
        Directory.CreateDirectory(HostProcess.LogFolder);
        File.AppendAllText(Path.Combine(HostProcess.LogFolder, "network-faults.md"), line + System.Environment.NewLine);
    }
}
