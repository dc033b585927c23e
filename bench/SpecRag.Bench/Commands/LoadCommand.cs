using Microsoft.Extensions.AI;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Net.Http.Json;
using Orleans.SpecRag.Bench.Data;
using Orleans.SpecRag.Bench.Hosting;
using Orleans.SpecRag.Bench.Measurement;
using Orleans.SpecRag.Bench.Reporting;
using Orleans.SpecRag.Models;
using Spectre.Console;
using Spectre.Console.Cli;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Bench.Commands;

public sealed class LoadSettings : BenchSettings
{
    [CommandOption("--concurrency <LIST>")]
    [Description("Concurrent clients per level, comma-separated. Default 1,8,64.")]
    public string Concurrency { get; set; } = "1,8,64";

    [CommandOption("--requests <N>")]
    [Description("Requests per level. Default 400.")]
    public int Requests { get; set; } = 400;

    [CommandOption("--warmup <N>")]
    [Description("Untimed requests before the first level. Default 20.")]
    public int Warmup { get; set; } = 20;

    [CommandOption("--drafts <M>")]
    public int Drafts { get; set; } = QueryDefaults.Drafts;

    [CommandOption("--ingest-passages <N>")]
    [Description("Passages embedded as an ingestion while the query-embedding latency is measured (0 skips it). Default 1024.")]
    public int IngestPassages { get; set; } = 1024;

    [CommandOption("--gateway <URL>")]
    [Description("Load a running gateway (loopback only) instead of starting one in this process.")]
    public string? Gateway { get; set; }

    public override ValidationResult Validate() =>
        Requests < 1 || Warmup < 0 || IngestPassages < 0 || Drafts is < 1 or > QueryDefaults.MaxDrafts
            ? ValidationResult.Error("--requests ≥ 1, --warmup ≥ 0, --ingest-passages ≥ 0, --drafts 1..32.")
            : ValidationResult.Success();
}

/// <summary>The embedder alone doing a level's embedding work at the level's concurrency.</summary>
/// <param name="Method">
/// <c>replay</c>: the exact calls the gateway's embedder made during the level (in-process gateway);
/// <c>questions</c>: one question per request (a remote gateway, whose embedder calls cannot be observed).
/// </param>
public sealed record EmbedderLimit(string Method, int Concurrency, int Calls, int Texts, double TextsPerRequest, double Seconds, double RequestsPerSecond, double TextsPerSecond);

public sealed record LoadLevel(
    int Concurrency,
    int Requests,
    int Succeeded,
    IReadOnlyDictionary<string, int> Errors,
    double Seconds,
    double Throughput,
    LatencySummary Latency,
    EmbedderLimit Limit,
    EmbedderLimit SaturatedLimit)
{
    /// <summary>Gateway throughput as a fraction of what the embedder alone sustains on the same work.</summary>
    public double FractionOfLimit => Limit.RequestsPerSecond > 0 ? Throughput / Limit.RequestsPerSecond : double.NaN;

    /// <summary>Gateway throughput as a fraction of the embedder with every core busy.</summary>
    public double FractionOfSaturatedLimit => SaturatedLimit.RequestsPerSecond > 0 ? Throughput / SaturatedLimit.RequestsPerSecond : double.NaN;
}

/// <summary>
/// Throughput and latency of <c>POST /v1/query</c> under concurrent clients, next to the throughput of the
/// embedder alone doing the same embedding work at the same concurrency. With the embedded default every query
/// is embedder-bound (MiniLM is the only heavy computation), so the embedder's throughput is the limit the
/// gateway can approach on this hardware; the ratio shows what HTTP, Orleans and the pipeline cost on top.
/// </summary>
public sealed class LoadCommand : AsyncCommand<LoadSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LoadSettings settings, CancellationToken cancellationToken)
    {
        var levels = Lists.ParseInts(settings.Concurrency, "--concurrency");
        var run = RunInfo.Capture(context.Arguments);

        await using var gateway = settings.Gateway is null ? new InProcessGateway() : null;
        HttpClient client;
        MiniLmEmbedder embedder;
        MiniLmEmbedder? ownEmbedder = null;
        string target;
        if (gateway is not null)
        {
            AnsiConsole.MarkupLine("[bold]load[/]: starting the gateway in-process (Kestrel on 127.0.0.1, co-hosted silo, demo corpus)…");
            client = await gateway.StartAsync(TimeSpan.FromMinutes(3));
            embedder = gateway.Embedder;
            target = $"in-process gateway {gateway.BaseAddress} (src/Gateway Program via WebApplicationFactory, Kestrel on loopback)";
        }
        else
        {
            var uri = Loopback.Require(settings.Gateway!, "--gateway");
            client = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromMinutes(5) };
            embedder = ownEmbedder = new MiniLmEmbedder();
            await embedder.WarmUpAsync(cancellationToken);
            target = $"gateway {uri}";
        }

        using var _ = client;
        using var __ = ownEmbedder;
        client.DefaultRequestHeaders.ConnectionClose = false;
        AnsiConsole.MarkupLine($"target: {Markup.Escape(target)}");

        // One parsed answer to name the models; then untimed requests that activate grains and warm the caches.
        using var probe = await client.PostAsJsonAsync("v1/query", new { question = SyntheticText.LoadQuestion(0), drafts = settings.Drafts }, cancellationToken);
        probe.EnsureSuccessStatusCode();
        var models = (await probe.Content.ReadFromJsonAsync<QueryResult>(HttpQueryTarget.Json, cancellationToken))!.Models;
        var next = 1;
        await RunLevelAsync(client, Math.Min(4, Math.Max(1, settings.Warmup)), settings.Warmup, () => next++, settings.Drafts, null, cancellationToken);

        var results = new List<LoadLevel>();
        await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
        {
            foreach (var concurrency in levels)
            {
                var task = progress.AddTask($"concurrency {concurrency}", maxValue: settings.Requests);
                var first = next;
                next += settings.Requests;
                gateway?.Recorder?.Start();
                var (succeeded, errors, seconds, latency) = await RunLevelAsync(client, concurrency, settings.Requests, () => first++, settings.Drafts, task, cancellationToken);
                var calls = gateway?.Recorder?.Stop();
                var questions = Enumerable.Range(next - settings.Requests, settings.Requests).Select(n => new[] { SyntheticText.LoadQuestion(n) }).ToArray();
                var method = calls is null ? "questions" : "replay";
                var limit = await EmbedderLimitAsync(embedder, method, calls ?? questions, concurrency, Math.Max(1, succeeded), cancellationToken);
                var saturated = concurrency >= Environment.ProcessorCount
                    ? limit
                    : await EmbedderLimitAsync(embedder, method, calls ?? questions, Environment.ProcessorCount, Math.Max(1, succeeded), cancellationToken);
                results.Add(new LoadLevel(concurrency, settings.Requests, succeeded, errors, seconds, succeeded / seconds, latency, limit, saturated));
            }
        });

        var contention = settings.IngestPassages > 0 ? await IngestionContention.MeasureAsync(embedder, settings.IngestPassages, cancellationToken) : null;
        var report = BuildReport(run, settings, target, models, results, contention);
        contention?.AddTo(report);
        ReportWriter.Show(report);
        var (json, markdown) = ReportWriter.Write(settings.Out, "load", report);
        AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(json)}[/] and [blue]{Markup.Escape(markdown)}[/]");
        return 0;
    }

    /// <summary>Closed-loop load: <paramref name="concurrency"/> clients, each sending its next request as soon as the previous one is answered.</summary>
    private static async Task<(int Succeeded, IReadOnlyDictionary<string, int> Errors, double Seconds, LatencySummary Latency)> RunLevelAsync(
        HttpClient client, int concurrency, int requests, Func<int> nextQuestion, int drafts, ProgressTask? task, CancellationToken cancellationToken)
    {
        var latency = new LatencyRecorder();
        var errors = new ConcurrentDictionary<string, int>();
        var remaining = requests;
        var gate = new object();
        var succeeded = 0;

        async Task ClientAsync()
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                int n;
                lock (gate)
                {
                    n = nextQuestion();
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsJsonAsync("v1/query", new { question = SyntheticText.LoadQuestion(n), drafts }, cancellationToken);
                    await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        latency.RecordMilliseconds(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        Interlocked.Increment(ref succeeded);
                    }
                    else
                    {
                        errors.AddOrUpdate($"HTTP {(int)response.StatusCode}", 1, (_, c) => c + 1);
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    errors.AddOrUpdate(ex.GetBaseException().GetType().Name, 1, (_, c) => c + 1);
                }

                task?.Increment(1);
            }
        }

        var clock = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(ClientAsync, cancellationToken)));
        var seconds = Stopwatch.GetElapsedTime(clock).TotalSeconds;
        return (succeeded, new SortedDictionary<string, int>(errors), seconds, latency.Summarize());
    }

    /// <summary>The embedder alone: the same calls, <paramref name="concurrency"/> at a time, as fast as it can.</summary>
    private static async Task<EmbedderLimit> EmbedderLimitAsync(IEmbeddingGenerator<string, Embedding<float>> embedder, string method, IReadOnlyList<string[]> calls, int concurrency, int requests, CancellationToken cancellationToken)
    {
        var next = -1;
        var clock = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls.Count)
            {
                await embedder.EmbedAsync(calls[i], cancellationToken);
            }
        }, cancellationToken)));
        var seconds = Math.Max(Stopwatch.GetElapsedTime(clock).TotalSeconds, 1e-6);
        var texts = calls.Sum(c => c.Length);
        return new EmbedderLimit(method, concurrency, calls.Count, texts, texts / (double)requests, seconds, requests / seconds, texts / seconds);
    }

    private static BenchReport BuildReport(RunInfo run, LoadSettings settings, string target, ModelNames models, IReadOnlyList<LoadLevel> levels, IngestionContention.Result? contention)
    {
        var report = new BenchReport
        {
            Command = "load",
            Title = "Gateway load: POST /v1/query against the embedder-bound limit",
            Run = run,
            Parameters = new Dictionary<string, object?>
            {
                ["concurrency"] = levels.Select(l => l.Concurrency).ToArray(), ["requests"] = settings.Requests, ["warmup"] = settings.Warmup,
                ["drafts"] = settings.Drafts, ["target"] = target, ["models"] = models, ["ingestPassages"] = settings.IngestPassages,
            },
            Results = new
            {
                Levels = levels.Select(l => new { l.Concurrency, l.Requests, l.Succeeded, l.Errors, l.Seconds, l.Throughput, l.Latency, l.Limit, l.FractionOfLimit, l.SaturatedLimit, l.FractionOfSaturatedLimit }).ToArray(),
                IngestionContention = contention,
            },
        };

        report.Tables.Add(new ReportTable($"Gateway throughput and latency, {settings.Requests} requests per level",
            ["clients", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "texts embedded / req", "embedder limit req/s", "gateway / limit", "embedder, all cores busy, req/s", "gateway / that"],
            levels.Select(l => (IReadOnlyList<string>)
            [
                l.Concurrency.ToString(Fmt.Culture), Fmt.Num(l.Throughput, "F1"), Fmt.Ms(l.Latency.P50Ms), Fmt.Ms(l.Latency.P90Ms), Fmt.Ms(l.Latency.P99Ms), Fmt.Ms(l.Latency.MaxMs),
                l.Errors.Count == 0 ? "0" : string.Join(", ", l.Errors.Select(e => $"{e.Key}: {e.Value}")),
                Fmt.Num(l.Limit.TextsPerRequest, "F2"), Fmt.Num(l.Limit.RequestsPerSecond, "F1"), Fmt.Pct(l.FractionOfLimit),
                Fmt.Num(l.SaturatedLimit.RequestsPerSecond, "F1"), Fmt.Pct(l.FractionOfSaturatedLimit),
            ]).ToArray(),
            "Latency percentiles of successful requests (HdrHistogram), at the client. The limit is the embedder alone doing the level's embedding work with as many concurrent callers as the level has clients; 'all cores busy' uses at least one caller per core."));

        foreach (var l in levels)
        {
            report.Targets.Add(TargetCheck.AtLeast($"gateway throughput / embedder-bound limit, {l.Concurrency} clients", 80, l.FractionOfLimit * 100, "%", "F1"));
            report.Headlines.Add(new Headline($"load {l.Concurrency} clients: req/s (limit), p50/p99 ms",
                $"{Fmt.Num(l.Throughput, "F1")} ({Fmt.Num(l.Limit.RequestsPerSecond, "F1")}), {Fmt.Ms(l.Latency.P50Ms)}/{Fmt.Ms(l.Latency.P99Ms)}, errors {l.Errors.Values.Sum()}"));
        }

        report.Notes.Add($"Target: {target}. Models: drafter {models.Drafter}, verifier {models.Verifier} (the embedded default); each request asks a different question about the demo corpus (the project's docs) with {settings.Drafts} drafts, so every request embeds at least its question.");
        report.Notes.Add(levels.FirstOrDefault()?.Limit.Method == "replay"
            ? "Embedder limit: the gateway's embedder is wrapped in a recorder (bench-only RecordingEmbedder, under the gateway's embedding cache) that keeps the texts of every call reaching MiniLM during a level (cache misses: the question, and rationales the verifier has not seen). After the level the same calls are replayed on the gateway's own MiniLmEmbedder with the same number of concurrent callers; requests / replay time is the throughput the embedder alone allows for that exact work."
            : "Embedder limit: the remote gateway's embedder calls cannot be observed, so the limit is MiniLM embedding one question per request at the same concurrency — an upper bound that ignores the rationales the verifier embeds, so the ratio understates the gateway.");
        if (levels.Any(l => l.Concurrency < run.Machine.Cores))
        {
            report.Notes.Add("With fewer clients than cores the two limits differ: one client's request embeds its drafts' sentences in parallel, so it can keep more cores busy than a replay with one caller does (the ratio can then pass 100 %), while the all-cores limit shows how far one client is from saturating the machine.");
        }

        report.Notes.Add($"Load generator, gateway, silo and embedder share this machine's {run.Machine.Cores} cores; MiniLmEmbedder runs at most {run.Machine.Cores} batches at once (one per core), so beyond that concurrency requests queue in front of the model.");
        return report;
    }
}
