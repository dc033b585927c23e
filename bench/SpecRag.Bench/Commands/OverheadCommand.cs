using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Bench.Data;
using Orleans.SpecRag.Bench.Hosting;
using Orleans.SpecRag.Bench.Measurement;
using Orleans.SpecRag.Bench.Reporting;
using Orleans.SpecRag.Bench.Simulation;
using Orleans.SpecRag.Models;
using Spectre.Console;
using Spectre.Console.Cli;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Bench.Commands;

public sealed class OverheadSettings : BenchSettings
{
    [CommandOption("--drafts <LIST>")]
    [Description("Draft counts m to measure, comma-separated. Default 1,5,10,20.")]
    public string Drafts { get; set; } = "1,5,10,20";

    [CommandOption("--draft-ms <MS>")]
    [Description("Simulated time of one draft. Default 200.")]
    public double DraftMs { get; set; } = 200;

    [CommandOption("--verify-ms <MS>")]
    [Description("Simulated time of one verification. Default 50.")]
    public double VerifyMs { get; set; } = 50;

    [CommandOption("--jitter-ms <MS>")]
    [Description("Each simulated delay is its base ± up to this much (deterministic per draft). Default 20.")]
    public double JitterMs { get; set; } = 20;

    [CommandOption("--requests <N>")]
    [Description("Timed queries per m and side with the simulated delays. Default 20.")]
    public int Requests { get; set; } = 20;

    [CommandOption("--zero-requests <N>")]
    [Description("Timed queries per m and side with zero-delay models (pure orchestration overhead). Default 200.")]
    public int ZeroRequests { get; set; } = 200;

    [CommandOption("--docs-per-draft <K>")]
    public int DocsPerDraft { get; set; } = QueryDefaults.DocsPerDraft;

    [CommandOption("--seed <N>")]
    public int Seed { get; set; }

    public override ValidationResult Validate() =>
        Requests < 1 || ZeroRequests < 1 || DraftMs < 0 || VerifyMs < 0 || JitterMs < 0
            ? ValidationResult.Error("--requests and --zero-requests ≥ 1; --draft-ms, --verify-ms, --jitter-ms ≥ 0.")
            : ValidationResult.Success();
}

/// <summary>One query on one side, in milliseconds.</summary>
public sealed record OverheadSample(double EndToEndMs, double CriticalPathMs, double RetrievalMs, double ClusteringMs, double DraftingMs, double VerificationMs, int Drafts);

/// <summary>One side (Orleans or the in-process limit) at one m.</summary>
public sealed record OverheadSide(
    LatencySummary EndToEnd,
    LatencySummary CriticalPath,
    LatencySummary Overhead,
    double EfficiencyP50,
    double EfficiencyMin,
    LatencySummary Retrieval,
    LatencySummary Clustering,
    LatencySummary Drafting,
    LatencySummary Verification,
    double MeanDrafts)
{
    public static OverheadSide From(IReadOnlyList<OverheadSample> samples)
    {
        var efficiency = samples.Select(s => ParallelEfficiency.Of(s.CriticalPathMs, s.EndToEndMs)).ToArray();
        return new OverheadSide(
            LatencyRecorder.Summarize(samples.Select(s => s.EndToEndMs)),
            LatencyRecorder.Summarize(samples.Select(s => s.CriticalPathMs)),
            LatencyRecorder.Summarize(samples.Select(s => Math.Max(0, s.EndToEndMs - s.CriticalPathMs))),
            Stats.Median(efficiency),
            efficiency.Min(),
            LatencyRecorder.Summarize(samples.Select(s => s.RetrievalMs)),
            LatencyRecorder.Summarize(samples.Select(s => s.ClusteringMs)),
            LatencyRecorder.Summarize(samples.Select(s => s.DraftingMs)),
            LatencyRecorder.Summarize(samples.Select(s => s.VerificationMs)),
            samples.Average(s => s.Drafts));
    }
}

/// <summary>Everything measured at one m.</summary>
public sealed record OverheadPoint(int Drafts, OverheadSide Orleans, OverheadSide Limit, LatencySummary ZeroDelayOrleans, LatencySummary ZeroDelayLimit)
{
    /// <summary>What Orleans adds to a query whose models take no time: p50 over the in-process limit's p50.</summary>
    public double ZeroDelayP50OverLimitMs => ZeroDelayOrleans.P50Ms - ZeroDelayLimit.P50Ms;

    public double ZeroDelayP99OverLimitMs => ZeroDelayOrleans.P99Ms - ZeroDelayLimit.P99Ms;
}

/// <summary>
/// How much the distributed orchestration costs. Both sides run the same query with the same simulated-latency
/// models and the same inline documents: Orleans (a verifier silo and two drafter silos in this process) and the
/// in-process limit (<see cref="InProcessPipeline"/>, plain Task.WhenAll). Queries alternate between the sides so
/// that machine noise hits both alike.
/// </summary>
public sealed class OverheadCommand : AsyncCommand<OverheadSettings>
{
    /// <summary>Untimed queries with the simulated delays before timing them (timers and the delayed path are warm).</summary>
    private const int DelayedWarmup = 2;

    public override async Task<int> ExecuteAsync(CommandContext context, OverheadSettings settings, CancellationToken cancellationToken)
    {
        var draftCounts = Lists.ParseInts(settings.Drafts, "--drafts");
        if (draftCounts.Any(m => m > QueryDefaults.MaxDrafts))
        {
            throw new ArgumentException($"--drafts: at most {QueryDefaults.MaxDrafts} drafts per query.");
        }

        var run = RunInfo.Capture(context.Arguments);
        var simulation = new SimulatedLatencySettings { Seed = settings.Seed };
        using var embedder = new MiniLmEmbedder();
        await embedder.WarmUpAsync(cancellationToken);
        await using var cluster = await BenchCluster.StartAsync(embedder, services =>
        {
            services.AddSingleton(simulation);
            services.AddSingleton<IDraftModel, SimulatedLatencyDraftModel>();
            services.AddSingleton<IVerifierModel, SimulatedLatencyVerifierModel>();
        });
        var limit = new InProcessPipeline(
            new MemoryCachingEmbeddingGenerator(embedder),
            new SimulatedLatencyDraftModel(simulation),
            new SimulatedLatencyVerifierModel(simulation));
        AnsiConsole.MarkupLine($"[bold]overhead[/]: {Markup.Escape(cluster.Description)} against the in-process limit; m = {string.Join(", ", draftCounts)}");

        QueryRequest Request(int m, int i) => new()
        {
            Question = SyntheticText.OverheadQuestion(i),
            Documents = SyntheticText.TwoTopicDocuments,
            TopK = SyntheticText.TwoTopicDocuments.Count,
            Drafts = m,
            DocsPerDraft = settings.DocsPerDraft,
            Seed = settings.Seed,
        };

        async Task<OverheadSample> OrleansAsync(QueryRequest request)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await cluster.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(request);
            var endToEnd = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var t = result.Timings;
            var critical = ParallelEfficiency.CriticalPathMs(t.RetrievalMs, result.Drafts.Select(d => simulation.DraftDelayMs(request.Question, d.DocumentIds)), simulation.VerifyDelayMs(request.Question));
            return new OverheadSample(endToEnd, critical, t.RetrievalMs, t.ClusteringMs, t.DraftingMs, t.VerificationMs, result.Drafts.Count);
        }

        async Task<OverheadSample> LimitAsync(QueryRequest request)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await limit.RunAsync(request, cancellationToken);
            var endToEnd = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var critical = ParallelEfficiency.CriticalPathMs(result.RetrievalMs, result.DraftPassageIds.Select(ids => simulation.DraftDelayMs(request.Question, ids)), simulation.VerifyDelayMs(request.Question));
            return new OverheadSample(endToEnd, critical, result.RetrievalMs, result.ClusteringMs, result.DraftingMs, result.VerificationMs, result.DraftPassageIds.Count);
        }

        // Alternating which side goes first spreads machine noise (GC, other processes) over both sides evenly.
        async Task<(List<OverheadSample> Orleans, List<OverheadSample> Limit)> MeasureAsync(int m, int count, ProgressTask task)
        {
            var orleans = new List<OverheadSample>(count);
            var inProcess = new List<OverheadSample>(count);
            for (var i = 0; i < count; i++)
            {
                var request = Request(m, i);
                if (i % 2 == 0)
                {
                    orleans.Add(await OrleansAsync(request));
                    inProcess.Add(await LimitAsync(request));
                }
                else
                {
                    inProcess.Add(await LimitAsync(request));
                    orleans.Add(await OrleansAsync(request));
                }

                task.Increment(1);
            }

            return (orleans, inProcess);
        }

        // How the inline documents cluster decides how many distinct drafts a query can have (one passage per cluster).
        var documentVectors = await embedder.EmbedAsync(SyntheticText.TwoTopicDocuments.Select(d => Retrieval.Segments.PassageText.Of(d.Title, d.Text)).ToArray(), cancellationToken);
        var clusterSizes = Grouping.KMeans.Cluster(documentVectors, settings.DocsPerDraft, settings.Seed).Clusters.Select(c => c.Count).ToArray();

        await BenchCluster.UntilReadyAsync(() => OrleansAsync(Request(1, 0)), TimeSpan.FromSeconds(60));
        var points = new List<OverheadPoint>();
        await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
        {
            foreach (var m in draftCounts)
            {
                var questions = Math.Max(settings.Requests, settings.ZeroRequests);
                var task = progress.AddTask($"m = {m}", maxValue: questions + settings.ZeroRequests + DelayedWarmup + settings.Requests);

                // Untimed: every question once on both sides with zero-delay models, which JIT-compiles the path,
                // activates the grains and fills both sides' embedding caches, so retrieval is a cache hit from here on.
                simulation.DraftMs = simulation.VerifyMs = simulation.JitterMs = 0;
                await MeasureAsync(m, questions, task);
                var zero = await MeasureAsync(m, settings.ZeroRequests, task);

                simulation.DraftMs = settings.DraftMs;
                simulation.VerifyMs = settings.VerifyMs;
                simulation.JitterMs = settings.JitterMs;
                await MeasureAsync(m, DelayedWarmup, task);
                var timed = await MeasureAsync(m, settings.Requests, task);
                task.Value = task.MaxValue;

                points.Add(new OverheadPoint(m, OverheadSide.From(timed.Orleans), OverheadSide.From(timed.Limit),
                    LatencyRecorder.Summarize(zero.Orleans.Select(s => s.EndToEndMs)), LatencyRecorder.Summarize(zero.Limit.Select(s => s.EndToEndMs))));
            }
        });

        var report = BuildReport(run, settings, cluster.Description, clusterSizes, points);
        ReportWriter.Show(report);
        var (json, markdown) = ReportWriter.Write(settings.Out, "overhead", report);
        AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(json)}[/] and [blue]{Markup.Escape(markdown)}[/]");
        return 0;
    }

    private static BenchReport BuildReport(RunInfo run, OverheadSettings settings, string cluster, IReadOnlyList<int> clusterSizes, IReadOnlyList<OverheadPoint> points)
    {
        var report = new BenchReport
        {
            Command = "overhead",
            Title = "Orchestration overhead: Orleans against the in-process limit",
            Run = run,
            Parameters = new Dictionary<string, object?>
            {
                ["drafts"] = points.Select(p => p.Drafts).ToArray(), ["draftMs"] = settings.DraftMs, ["verifyMs"] = settings.VerifyMs, ["jitterMs"] = settings.JitterMs,
                ["requests"] = settings.Requests, ["zeroRequests"] = settings.ZeroRequests, ["docsPerDraft"] = settings.DocsPerDraft,
                ["topK"] = SyntheticText.TwoTopicDocuments.Count, ["seed"] = settings.Seed, ["cluster"] = cluster,
            },
            Results = points.Select(p => new { p.Drafts, p.Orleans, p.Limit, p.ZeroDelayOrleans, p.ZeroDelayLimit, p.ZeroDelayP50OverLimitMs, p.ZeroDelayP99OverLimitMs }).ToArray(),
        };

        report.Tables.Add(new ReportTable(
            $"Parallel efficiency with simulated models (draft {settings.DraftMs:0.#}±{settings.JitterMs:0.#} ms, verify {settings.VerifyMs:0.#}±{settings.JitterMs:0.#} ms), {settings.Requests} queries per m",
            ["m", "drafts run", "critical path p50", "Orleans e2e p50 / p99", "Orleans efficiency p50 (min)", "limit e2e p50 / p99", "limit efficiency p50 (min)", "Orleans − limit, e2e p50"],
            points.Select(p => (IReadOnlyList<string>)
            [
                p.Drafts.ToString(Fmt.Culture), Fmt.Num(p.Orleans.MeanDrafts, "F1"), Fmt.Ms(p.Orleans.CriticalPath.P50Ms),
                $"{Fmt.Ms(p.Orleans.EndToEnd.P50Ms)} / {Fmt.Ms(p.Orleans.EndToEnd.P99Ms)}", $"{Fmt.Num(p.Orleans.EfficiencyP50, "F3")} ({Fmt.Num(p.Orleans.EfficiencyMin, "F3")})",
                $"{Fmt.Ms(p.Limit.EndToEnd.P50Ms)} / {Fmt.Ms(p.Limit.EndToEnd.P99Ms)}", $"{Fmt.Num(p.Limit.EfficiencyP50, "F3")} ({Fmt.Num(p.Limit.EfficiencyMin, "F3")})",
                $"{Fmt.Ms(p.Orleans.EndToEnd.P50Ms - p.Limit.EndToEnd.P50Ms)} ms",
            ]).ToArray(),
            "Times in ms. Critical path = retrieval + slowest draft + verification; efficiency = critical path / end-to-end, per query, median (minimum)."));

        report.Tables.Add(new ReportTable(
            $"Pure orchestration overhead: zero-delay models, {settings.ZeroRequests} queries per m",
            ["m", "Orleans p50 / p99", "in-process limit p50 / p99", "Orleans over limit, p50", "Orleans over limit, p99"],
            points.Select(p => (IReadOnlyList<string>)
            [
                p.Drafts.ToString(Fmt.Culture), $"{Fmt.Ms(p.ZeroDelayOrleans.P50Ms)} / {Fmt.Ms(p.ZeroDelayOrleans.P99Ms)}",
                $"{Fmt.Ms(p.ZeroDelayLimit.P50Ms)} / {Fmt.Ms(p.ZeroDelayLimit.P99Ms)}", $"{Fmt.Ms(p.ZeroDelayP50OverLimitMs)} ms", $"{Fmt.Ms(p.ZeroDelayP99OverLimitMs)} ms",
            ]).ToArray(),
            "End-to-end ms at the client: a query's retrieval (embedding-cache hits), clustering, m drafts, verification, and for Orleans the grain calls and the persisted query record."));

        report.Tables.Add(new ReportTable("Where Orleans' time goes with simulated models (p50, ms, as the query grain times its stages)",
            ["m", "retrieval", "clustering", "drafting (slowest draft + fan-out)", "verification", "overhead e2e − critical p50 / p99 (limit)"],
            points.Select(p => (IReadOnlyList<string>)
            [
                p.Drafts.ToString(Fmt.Culture), Fmt.Ms(p.Orleans.Retrieval.P50Ms), Fmt.Ms(p.Orleans.Clustering.P50Ms), Fmt.Ms(p.Orleans.Drafting.P50Ms), Fmt.Ms(p.Orleans.Verification.P50Ms),
                $"{Fmt.Ms(p.Orleans.Overhead.P50Ms)} / {Fmt.Ms(p.Orleans.Overhead.P99Ms)} ({Fmt.Ms(p.Limit.Overhead.P50Ms)} / {Fmt.Ms(p.Limit.Overhead.P99Ms)})",
            ]).ToArray()));

        foreach (var p in points.Where(p => p.Drafts is >= 5 and <= 20))
        {
            report.Targets.Add(TargetCheck.AtLeast($"parallel efficiency p50, Orleans, m = {p.Drafts}", 0.95, p.Orleans.EfficiencyP50, ""));
        }

        foreach (var p in points)
        {
            report.Targets.Add(TargetCheck.AtMost($"zero-delay overhead over the in-process limit, p50, m = {p.Drafts}", 1.0, p.ZeroDelayP50OverLimitMs, "ms"));
            report.Headlines.Add(new Headline($"efficiency p50 m={p.Drafts}: Orleans / in-process limit", $"{Fmt.Num(p.Orleans.EfficiencyP50, "F3")} / {Fmt.Num(p.Limit.EfficiencyP50, "F3")}"));
            report.Headlines.Add(new Headline($"zero-delay e2e p50 m={p.Drafts}: Orleans / in-process limit", $"{Fmt.Ms(p.ZeroDelayOrleans.P50Ms)} / {Fmt.Ms(p.ZeroDelayLimit.P50Ms)} ms"));
        }

        report.Notes.Add($"Orleans side: {cluster}; the query grain runs on the verifier silo, drafts go round-robin to the two drafter silos, and every query persists its record (memory storage), as in production.");
        report.Notes.Add("Models: SimulatedLatencyDraftModel and SimulatedLatencyVerifierModel, bench-only stand-ins that wait (Task.Delay, no CPU) and return fixed-form drafts and scores. Each delay is a deterministic function of the question and the draft's passages, so both sides wait exactly as long for the same query, and the critical path of each query is known exactly.");
        var subsets = clusterSizes.Aggregate(1L, (a, b) => a * b);
        report.Notes.Add($"Inline documents: {SyntheticText.TwoTopicDocuments.Count} short made-up documents on two topics; K-means (k = {settings.DocsPerDraft}, seed {settings.Seed}) splits them {string.Join("/", clusterSizes)}, so a query can have at most {subsets} distinct drafts (one passage per cluster). Retrieval embeds them through an embedding cache on both sides, warmed before timing, so it is cheap and identical.");
        if (points.Any(p => p.Drafts > subsets))
        {
            report.Notes.Add($"m = {string.Join(", ", points.Where(p => p.Drafts > subsets).Select(p => p.Drafts))} asks for more drafts than the {subsets} distinct subsets; the sampler returns all {subsets}, as 'drafts run' shows.");
        }

        report.Notes.Add("The in-process limit is the same pipeline with no Orleans: the product's KMeans, SubsetSampler, the same simulated models and DraftSelector called directly, drafts in Task.WhenAll. Its efficiency is below 1 only by timer overshoot (Task.Delay fires up to ~1 ms late) and the CPU work of clustering.");
        var missedEfficiency = report.Targets.Where(t => t.Met == false && t.Name.StartsWith("parallel", StringComparison.Ordinal)).ToArray();
        if (missedEfficiency.Length > 0)
        {
            report.Notes.Add($"Efficiency below target at {string.Join(", ", missedEfficiency.Select(t => t.Name.Split("m = ")[1]))}: see the overhead column; the gap is orchestration time that does not overlap the models (grain calls on two cores shared by three silos, the client and the timers).");
        }

        return report;
    }
}
