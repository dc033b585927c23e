using System.Diagnostics;
using Orleans.SpecRag.Bench.Data;
using Orleans.SpecRag.Bench.Reporting;
using Orleans.SpecRag.Models.Embedding;
using Spectre.Console;

namespace Orleans.SpecRag.Bench.Measurement;

/// <summary>One way of running an ingestion next to queries: how long a query's embedding call took meanwhile.</summary>
public sealed record ContentionRun(string Ingestion, int Passages, double IngestSeconds, double PassagesPerSecond, LatencySummary QueryCall);

/// <summary>
/// What an ingestion costs the queries that arrive during it, on the embedder alone: one client embeds query-sized calls
/// (a question and 20 sentences, what one draft embeds) back to back while an ingestion embeds passages from as many
/// concurrent callers as a collection has shards being written, twice per core. Run on the same MiniLM, side by side:
/// with the ingestion marked <see cref="EmbeddingPriority.Bulk"/> as the service marks it, and with it at the queries'
/// own priority, as every call was before the embedder told them apart. And once with no ingestion, for the floor.
/// </summary>
public static class IngestionContention
{
    private const int SentencesPerCall = 20;

    public sealed record Result(string Source, int Callers, LatencySummary Idle, IReadOnlyList<ContentionRun> Runs)
    {
        public void AddTo(BenchReport report)
        {
            var bulk = Runs.Single(r => r.Ingestion == "bulk");
            var flat = Runs.Single(r => r.Ingestion == "query priority");
            report.Tables.Add(new ReportTable($"A query's embedding call while {bulk.Passages} passages are ingested by {Callers} concurrent callers",
                ["ingestion", "query call p50 ms", "p90 ms", "p99 ms", "max ms", "calls", "ingestion s", "passages/s"],
                [
                    ["none", Fmt.Ms(Idle.P50Ms), Fmt.Ms(Idle.P90Ms), Fmt.Ms(Idle.P99Ms), Fmt.Ms(Idle.MaxMs), Idle.Count.ToString(Fmt.Culture), "–", "–"],
                    .. Runs.Select(r => (IReadOnlyList<string>)
                    [
                        r.Ingestion, Fmt.Ms(r.QueryCall.P50Ms), Fmt.Ms(r.QueryCall.P90Ms), Fmt.Ms(r.QueryCall.P99Ms), Fmt.Ms(r.QueryCall.MaxMs),
                        r.QueryCall.Count.ToString(Fmt.Culture), Fmt.Num(r.IngestSeconds, "F1"), Fmt.Num(r.PassagesPerSecond, "F1"),
                    ]),
                ],
                $"The same MiniLmEmbedder, four runs in the order query priority, bulk, bulk, query priority, each ingesting half of its way's passages. A query call embeds a question and {SentencesPerCall} sentences (one draft's work); one client sends them back to back for as long as the ingestion runs. Passages: {Source}."));
            report.Headlines.Add(new Headline("query embedding during ingestion: p99 ms, bulk / at query priority (ingestion passages/s)",
                $"{Fmt.Ms(bulk.QueryCall.P99Ms)} / {Fmt.Ms(flat.QueryCall.P99Ms)} ({Fmt.Num(bulk.PassagesPerSecond, "F1")} / {Fmt.Num(flat.PassagesPerSecond, "F1")})"));
        }
    }

    public static async Task<Result> MeasureAsync(MiniLmEmbedder embedder, int passages, CancellationToken cancellationToken)
    {
        var callers = 2 * Environment.ProcessorCount;
        var (texts, source) = SyntheticText.Passages(2 * passages);
        AnsiConsole.MarkupLine($"[bold]ingestion contention[/]: {passages} passages from {callers} callers, query calls of 1 + {SentencesPerCall} texts…");

        var queryNumber = 0;
        string[] NextCall()
        {
            var n = queryNumber++;
            return [SyntheticText.LoadQuestion(n), .. Enumerable.Range(0, SentencesPerCall).Select(i => $"Sentence {i} of call {n}: the verifier compares drafts without reading their passages.")];
        }

        var idle = new LatencyRecorder();
        for (var i = 0; i < 20; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await embedder.EmbedAsync(NextCall(), cancellationToken);
            idle.RecordMilliseconds(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // Different passages for every run (the model caches nothing, but the comparison should not depend on that), and
        // the two ways in the order A B B A, each run with half of its passages, so that drift over the run favours neither.
        var half = Math.Max(1, passages / 2);
        var ways = new (string Name, EmbeddingPriority Priority)[] { ("query priority", EmbeddingPriority.Interactive), ("bulk", EmbeddingPriority.Bulk) };
        var totals = ways.ToDictionary(w => w.Name, _ => (Latency: new LatencyRecorder(), Passages: 0, Seconds: 0.0));
        var order = new[] { ways[0], ways[1], ways[1], ways[0] };
        for (var r = 0; r < order.Length; r++)
        {
            var (name, priority) = order[r];
            var batch = texts.Skip(r * half).Take(half).ToArray();
            var seconds = await RunAsync(priority, batch, totals[name].Latency);
            totals[name] = (totals[name].Latency, totals[name].Passages + batch.Length, totals[name].Seconds + seconds);
        }

        var runs = ways.Select(w => totals[w.Name])
            .Select((t, i) => new ContentionRun(ways[i].Name, t.Passages, t.Seconds, t.Passages / t.Seconds, t.Latency.Summarize()))
            .ToArray();
        return new Result(source, callers, idle.Summarize(), runs);

        async Task<double> RunAsync(EmbeddingPriority priority, string[] batch, LatencyRecorder latency)
        {
            var clock = Stopwatch.GetTimestamp();
            var ingestion = Task.WhenAll(batch.Chunk((batch.Length + callers - 1) / callers)
                .Select(part => Task.Run(() => embedder.EmbedAsync(part, priority, cancellationToken), cancellationToken)));
            while (!ingestion.IsCompleted)
            {
                var started = Stopwatch.GetTimestamp();
                await embedder.EmbedAsync(NextCall(), cancellationToken);
                latency.RecordMilliseconds(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            await ingestion;
            return Stopwatch.GetElapsedTime(clock).TotalSeconds;
        }
    }
}
