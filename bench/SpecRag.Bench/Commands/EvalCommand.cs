using System.ComponentModel;
using System.Diagnostics;
using Orleans.SpecRag.Bench.Data;
using Orleans.SpecRag.Bench.Hosting;
using Orleans.SpecRag.Bench.Measurement;
using Orleans.SpecRag.Bench.Reporting;
using Orleans.SpecRag.Models;
using Spectre.Console;
using Spectre.Console.Cli;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Bench.Commands;

public sealed class EvalSettings : BenchSettings
{
    [CommandOption("--data <FILE>")]
    [Description("JSONL benchmark file (../shared/data/popqa-dev.jsonl, arc-challenge-dev.jsonl or musique-dev.jsonl). When it is absent, eval says so and exits 0.")]
    public string? Data { get; set; }

    [CommandOption("--format <FORMAT>")]
    [Description("popqa, arc, musique, musique-hops (MuSiQue's single-hop sub-questions over their item's paragraphs), musique-relations (its relation-form sub-questions asked as PopQA asks them) or musique-inline (its multi-hop questions over their item's own paragraphs, sent in the request); inferred from the file name when omitted.")]
    public string? Format { get; set; }

    [CommandOption("--corpus <FILE>")]
    [Description("MuSiQue: the corpus to index and retrieve from. Default: musique-corpus.jsonl beside --data.")]
    public string? Corpus { get; set; }

    [CommandOption("--limit <N>")]
    [Description("Only the first N questions. Default: all.")]
    public int Limit { get; set; } = int.MaxValue;

    [CommandOption("--mode <MODE>")]
    [Description("speculative, standard or both (default): both run on the same questions.")]
    public string Mode { get; set; } = "both";

    [CommandOption("--sampling <SAMPLING>")]
    [Description("Speculative subsets: paper, coverage or both (default): both runs speculative mode twice on the same questions, with the product's default first.")]
    public string Sampling { get; set; } = "both";

    [CommandOption("--retrieval <MODE>")]
    [Description("Retrieval from a collection (MuSiQue): dense, lexical or hybrid (default: the product's default, hybrid).")]
    public RetrievalMode Retrieval { get; set; } = new Retrieval.RetrievalOptions().DefaultMode;

    [CommandOption("--drafts <M>")]
    [Description("Drafts per query (the paper's m). Default 5.")]
    public int Drafts { get; set; } = QueryDefaults.Drafts;

    [CommandOption("--docs-per-draft <K>")]
    [Description("Passages per draft, i.e. clusters (the paper's k). Default 2.")]
    public int DocsPerDraft { get; set; } = QueryDefaults.DocsPerDraft;

    [CommandOption("--top-k <N>")]
    [Description("Retrieved passages per question (first N ctxs for PopQA/ARC). Default 10.")]
    public int TopK { get; set; } = QueryDefaults.TopK;

    [CommandOption("--seed <N>")]
    public int Seed { get; set; } = QueryDefaults.Seed;

    [CommandOption("--more-seeds <N,N>")]
    [Description("K-means seeds to ask speculative mode with as well (product's default sampling), each an extra mode " +
        "\"speculative/seedN\" on the same questions: other, equally valid clusterings, so other subsets. Standard mode does not depend on the seed.")]
    public string? MoreSeeds { get; set; }

    /// <summary>The seeds of <see cref="MoreSeeds"/>, without <see cref="Seed"/> itself.</summary>
    public IReadOnlyList<int> ExtraSeeds =>
        SeedTexts.Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).Where(v => v != Seed).Distinct().ToArray();

    private string[] SeedTexts => (MoreSeeds ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [CommandOption("--gateway <URL>")]
    [Description("Query a running gateway (loopback only) over HTTP instead of an in-process cluster.")]
    public string? Gateway { get; set; }

    public override ValidationResult Validate()
    {
        if (Mode is not ("speculative" or "standard" or "both"))
        {
            return ValidationResult.Error("--mode must be speculative, standard or both.");
        }

        if (Sampling is not ("paper" or "coverage" or "both"))
        {
            return ValidationResult.Error("--sampling must be paper, coverage or both.");
        }

        if (SeedTexts.Any(v => !int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            return ValidationResult.Error("--more-seeds must be a comma-separated list of integers, e.g. 1,2,3.");
        }

        if (MoreSeeds is not null && (Mode == "standard" || Sampling == "paper"))
        {
            return ValidationResult.Error("--more-seeds asks speculative mode with the default sampling again: it needs --mode speculative or both, and --sampling coverage or both.");
        }

        if (Limit < 1 || Drafts is < 1 or > QueryDefaults.MaxDrafts || TopK is < 1 or > QueryDefaults.MaxTopK || DocsPerDraft < 1 || DocsPerDraft > TopK)
        {
            return ValidationResult.Error("--limit ≥ 1, --drafts 1..32, --top-k 1..100 and --docs-per-draft 1..top-k.");
        }

        return ValidationResult.Success();
    }
}

/// <summary>One question asked in one mode.</summary>
public sealed record EvalRecord(
    string ItemId,
    string Mode,
    string Question,
    string? Answer,
    bool Correct,
    bool CorrectLoose,
    string? Matched,
    double? EndToEndMs,
    QueryTimings? Timings,
    int Drafts,
    int FailedDrafts,
    IReadOnlyList<string> CitedIds,
    IReadOnlyList<string> DraftedIds,
    double? RecallAtK,
    double? DraftedRecall,
    double? CitedRecall,
    bool? AnswerInRetrieved,
    string? DrafterModel,
    string? VerifierModel,
    string? Scoring,
    string? Error)
{
    /// <summary>Why drafts failed, when some did (the answer was chosen from the others).</summary>
    public IReadOnlyList<string> FailedDraftErrors { get; init; } = [];

    /// <summary>Every draft with its answer, correctness and scores (speculative mode).</summary>
    public IReadOnlyList<DraftRecord> DraftRecords { get; init; } = [];

    /// <summary>The share of the retrieved passages some draft saw (speculative mode).</summary>
    public double? Coverage { get; init; }

    public IReadOnlyList<string> SkippedDocuments { get; init; } = [];

    /// <summary>How many options the question lists (multiple-choice data), else null.</summary>
    public int? OptionCount { get; init; }
}

/// <summary>The results of one mode over all questions.</summary>
public sealed record ModeSummary(
    string Mode,
    int Questions,
    int Errors,
    double Accuracy,
    double AccuracyLoose,
    double? OptionChosenRate,
    double? RecallAtK,
    double? DraftedRecall,
    double? CitedRecall,
    double? AnswerInRetrievedRate,
    double MeanDrafts,
    int FailedDrafts,
    IReadOnlyDictionary<string, LatencySummary> Latency,
    IReadOnlyList<string> DrafterModels,
    IReadOnlyList<string> VerifierModels,
    IReadOnlyList<string> Scorings)
{
    /// <summary>Share of questions where some draft holds the gold answer (speculative modes).</summary>
    public double? OracleAtM { get; init; }

    /// <summary>Accuracy ÷ oracle@m.</summary>
    public double? SelectionEfficiency { get; init; }

    /// <summary>Multiple-choice questions: oracle@m if every draft picked a uniformly random option (<see cref="SelectionAnalysis.ChanceOracle"/>).</summary>
    public double? ChanceOracleAtM { get; init; }

    /// <summary>Mean share of the retrieved passages some draft saw.</summary>
    public double? Coverage { get; init; }

    /// <summary>Accuracy under each of <see cref="SelectionAnalysis.Ablations"/>.</summary>
    public IReadOnlyDictionary<string, double> Ablations { get; init; } = new Dictionary<string, double>();

    public int QuestionsWithSkippedDocuments { get; init; }
}

/// <summary>A way of answering that eval compares: a query mode and, for speculative mode, a subset sampling.</summary>
/// <param name="Seed">The K-means seed of this mode's requests; null for the run's <c>--seed</c>.</param>
public sealed record EvalMode(string Name, QueryMode Mode, SubsetSampling? Sampling, int? Seed = null);

/// <summary>
/// Runs a benchmark's questions through the real pipeline and scores the answers with the paper's metric. Each
/// question is asked in both modes, one after the other; the order alternates between questions because the
/// first mode warms the embedding cache for the second.
/// </summary>
public sealed class EvalCommand : AsyncCommand<EvalSettings>
{
    private const string Speculative = "speculative";
    private const string Standard = "standard";

    public override async Task<int> ExecuteAsync(CommandContext context, EvalSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Data is null || !File.Exists(settings.Data))
        {
            AnsiConsole.MarkupLine($"[yellow]eval skipped:[/] the data file {Markup.Escape(settings.Data ?? "(no --data given)")} does not exist. " +
                $"The benchmark slices live in ../shared/data beside the repository ({Markup.Escape(RepoPaths.SharedData)}).");
            return 0;
        }

        var format = Datasets.ParseFormat(settings.Format, settings.Data);
        var dataset = format switch
        {
            DatasetFormat.MusiqueHops => "musique-hops",
            DatasetFormat.MusiqueRelations => "musique-relations",
            DatasetFormat.MusiqueInline => "musique-inline",
            _ => format.ToString().ToLowerInvariant(),
        };
        var items = Datasets.Load(settings.Data, format, settings.Limit, settings.TopK);
        string? corpusPath = null;
        if (format == DatasetFormat.Musique)
        {
            corpusPath = settings.Corpus ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.Data))!, "musique-corpus.jsonl");
            if (!File.Exists(corpusPath))
            {
                AnsiConsole.MarkupLine($"[yellow]eval skipped:[/] MuSiQue needs its corpus; {Markup.Escape(corpusPath)} does not exist (pass --corpus FILE).");
                return 0;
            }
        }

        var modes = Modes(settings);
        var run = RunInfo.Capture(context.Arguments);
        using var embedder = new MiniLmEmbedder();
        await embedder.WarmUpAsync(cancellationToken);
        if (format is DatasetFormat.MusiqueHops or DatasetFormat.MusiqueRelations or DatasetFormat.MusiqueInline)
        {
            // MuSiQue lists an item's paragraphs in no particular order; the request must carry them in retriever order.
            items = await Datasets.RankDocumentsAsync(items, embedder, settings.TopK, cancellationToken);
        }

        AnsiConsole.MarkupLine($"[bold]eval[/] {dataset}: {items.Count} questions, modes {string.Join(" + ", modes.Select(m => m.Name))}");
        await using var target = settings.Gateway is { } url
            ? new HttpQueryTarget(Loopback.Require(url, "--gateway"))
            : (IQueryTarget)new ClusterQueryTarget(await BenchCluster.StartAsync(embedder), embedder);
        AnsiConsole.MarkupLine($"target: {Markup.Escape(target.Description)}");

        // An untimed warm-up query per mode (JIT, grain activation, model load) on made-up documents, not on the benchmark's.
        foreach (var mode in modes)
        {
            await BenchCluster.UntilReadyAsync(() => target.QueryAsync(Request(settings, "Which river flows through Paris?", SyntheticText.TwoTopicDocuments, null, mode), cancellationToken), TimeSpan.FromSeconds(60));
        }

        var collection = $"musique-bench-{Guid.NewGuid().ToString("N")[..8]}";
        IngestSummary? ingest = null;
        Dictionary<string, string[]> idsByText = [];
        Dictionary<string, string[]> idsByTitle = [];
        var records = new List<EvalRecord>();
        await AnsiConsole.Progress().AutoClear(false).HideCompleted(false).StartAsync(async progress =>
        {
            if (corpusPath is not null)
            {
                var corpus = Datasets.LoadCorpus(corpusPath);
                idsByText = corpus.GroupBy(d => d.Text, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(d => d.Id).ToArray(), StringComparer.Ordinal);
                idsByTitle = corpus.GroupBy(d => d.Title, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(d => d.Id).ToArray(), StringComparer.Ordinal);
                var task = progress.AddTask($"index {corpus.Count} MuSiQue documents", maxValue: corpus.Count);
                var started = Stopwatch.GetTimestamp();
                var passages = 0;
                foreach (var batch in corpus.Chunk(200))
                {
                    var result = await target.IngestAsync(collection, batch.Select(d => new IngestDocument(d.Id, d.Title, d.Text, null)).ToArray(), cancellationToken);
                    passages += result.Passages;
                    task.Increment(batch.Length);
                }

                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                ingest = new IngestSummary(collection, corpus.Count, passages, seconds, passages / seconds);
            }

            var questions = progress.AddTask($"{dataset}: {items.Count} questions × {modes.Count} mode(s)", maxValue: items.Count * modes.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                var gold = GoldIds(item, idsByText, idsByTitle);
                var retrieved = item.Documents is null ? await target.SearchAsync(collection, item.Question, settings.TopK, settings.Retrieval, cancellationToken) : null;
                var retrievedTexts = item.Documents?.Select(d => $"{d.Title}. {d.Text}") ?? retrieved?.Select(p => $"{p.Title}. {p.Text}");
                var retrievedCount = item.Documents is { } inline ? Math.Min(settings.TopK, InlineDocuments.Prepare(inline).Usable.Count) : retrieved?.Count ?? settings.TopK;
                bool? answerInRetrieved = retrievedTexts is null || format == DatasetFormat.Arc ? null : ContainmentMetric.AnyContains(retrievedTexts, item.Golds);
                double? recallAtK = gold.Count > 0 && retrieved is not null ? Recall.Fraction(gold, retrieved.Select(p => Recall.DocumentIdOf(p.Id))) : null;

                foreach (var mode in i % 2 == 0 ? modes : modes.Reverse())
                {
                    records.Add(await AskAsync(target, settings, item, mode, collection, gold, recallAtK, answerInRetrieved, retrievedCount, cancellationToken));
                    questions.Increment(1);
                }
            }
        });

        var summaries = modes.Select(mode => Summarize(mode.Name, records.Where(r => r.Mode == mode.Name).ToArray(), format)).ToArray();
        var report = BuildReport(run, settings, dataset, format, target.Description, items.Count, summaries, records, ingest);
        ReportWriter.Show(report);
        var (json, markdown) = ReportWriter.Write(settings.Out, $"eval-{dataset}", report);
        AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(json)}[/] and [blue]{Markup.Escape(markdown)}[/]");
        return 0;
    }

    /// <summary>Speculative with the product's default sampling first, then the other sampling, then standard.</summary>
    private static IReadOnlyList<EvalMode> Modes(EvalSettings settings)
    {
        var defaultSampling = new Querying.QueryOptions().Sampling;
        var samplings = settings.Sampling switch
        {
            "paper" => [SubsetSampling.Paper],
            "coverage" => [SubsetSampling.Coverage],
            _ => new[] { defaultSampling }.Concat(Enum.GetValues<SubsetSampling>().Where(s => s != defaultSampling)).ToArray(),
        };
        var modes = new List<EvalMode>();
        if (settings.Mode is Speculative or "both")
        {
            // "speculative" always means the product's default sampling; another sampling is named after it.
            modes.AddRange(samplings.Select(s => new EvalMode(s == defaultSampling ? Speculative : $"{Speculative}/{s.ToString().ToLowerInvariant()}", QueryMode.Speculative, s)));
            modes.AddRange(settings.ExtraSeeds.Select(seed => new EvalMode($"{Speculative}/seed{seed}", QueryMode.Speculative, defaultSampling, seed)));
        }

        if (settings.Mode is Standard or "both")
        {
            modes.Add(new EvalMode(Standard, QueryMode.Standard, null));
        }

        return modes;
    }

    private static QueryRequest Request(EvalSettings settings, string question, IReadOnlyList<InlineDocument>? documents, string? collection, EvalMode mode) => new()
    {
        Question = question,
        Documents = documents,
        Collection = collection ?? QueryDefaults.Collection,
        TopK = settings.TopK,
        Drafts = settings.Drafts,
        DocsPerDraft = Math.Min(settings.DocsPerDraft, documents?.Count ?? settings.TopK),
        Mode = mode.Mode,
        Sampling = mode.Sampling,
        Seed = mode.Seed ?? settings.Seed,
        Retrieval = documents is null ? settings.Retrieval : null,
    };

    private static async Task<EvalRecord> AskAsync(IQueryTarget target, EvalSettings settings, EvalItem item, EvalMode mode, string collection,
        IReadOnlyList<IReadOnlySet<string>> gold, double? recallAtK, bool? answerInRetrieved, int retrievedCount, CancellationToken cancellationToken)
    {
        var request = Request(settings, item.Question, item.Documents, item.Documents is null ? collection : null, mode);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await target.QueryAsync(request, cancellationToken);
            var endToEnd = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            AnswerVerdict Verdict(string answer) => item.Options is { } options
                ? ArcMetric.Score(answer, options, item.AnswerKey!)
                : ContainmentMetric.Score(answer, item.Golds);
            var verdict = Verdict(result.Answer);
            var cited = result.Citations.Select(c => c.Id).ToArray();
            var drafted = result.Drafts.SelectMany(d => d.DocumentIds).Distinct().ToArray();
            return new EvalRecord(item.Id, mode.Name, item.Question, result.Answer, verdict.Correct, verdict.CorrectLoose, verdict.Chosen, endToEnd, result.Timings,
                result.Drafts.Count, result.FailedDrafts.Count, cited, drafted,
                recallAtK,
                gold.Count > 0 && mode.Mode == QueryMode.Speculative ? Recall.Fraction(gold, drafted.Select(Recall.DocumentIdOf)) : null,
                gold.Count > 0 ? Recall.Fraction(gold, cited.Select(Recall.DocumentIdOf)) : null,
                answerInRetrieved, result.Models.Drafter, result.Models.Verifier, result.Scoring ?? (mode.Mode == QueryMode.Standard ? "answer" : null), null)
            {
                DraftRecords = result.Drafts.Select(d => new DraftRecord(d.Index, d.Answer, d.Rationale, Verdict(d.Answer).Correct, d.Scores.Draft, d.Scores.SelfConsistency, d.Scores.SelfReflection, d.DocumentIds)).ToArray(),
                Coverage = mode.Mode == QueryMode.Speculative && retrievedCount > 0 ? Math.Min(1, drafted.Length / (double)retrievedCount) : null,
                SkippedDocuments = result.SkippedDocuments,
                OptionCount = item.Options?.Count,
                FailedDraftErrors = result.FailedDrafts.Select(f => f.Error).Distinct().ToArray(),
            };
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new EvalRecord(item.Id, mode.Name, item.Question, null, false, false, null, null, null, 0, 0, [], [], recallAtK, null, null, answerInRetrieved,
                null, null, null, $"{ex.GetBaseException().GetType().Name}: {Fmt.Truncate(ex.GetBaseException().Message, 300)}");
        }
    }

    /// <summary>The acceptable document ids of each supporting paragraph: those with its exact text, else those with its title.</summary>
    internal static IReadOnlyList<IReadOnlySet<string>> GoldIds(EvalItem item, Dictionary<string, string[]> byText, Dictionary<string, string[]> byTitle) =>
        item.Supporting
            .Select(p => (IReadOnlySet<string>)(byText.TryGetValue(p.Text, out var ids) ? ids : byTitle.GetValueOrDefault(p.Title, [])).ToHashSet(StringComparer.Ordinal))
            .Where(ids => ids.Count > 0)
            .ToArray();

    private static ModeSummary Summarize(string mode, IReadOnlyList<EvalRecord> records, DatasetFormat format)
    {
        double? Mean(Func<EvalRecord, double?> selector)
        {
            var values = records.Select(selector).Where(v => v is not null).Select(v => v!.Value).ToArray();
            return values.Length > 0 ? values.Average() : null;
        }

        var ok = records.Where(r => r.Error is null).ToArray();
        var latency = new Dictionary<string, LatencySummary>
        {
            ["retrievalMs"] = LatencyRecorder.Summarize(ok.Select(r => r.Timings!.RetrievalMs)),
            ["clusteringMs"] = LatencyRecorder.Summarize(ok.Select(r => r.Timings!.ClusteringMs)),
            ["draftingMs"] = LatencyRecorder.Summarize(ok.Select(r => r.Timings!.DraftingMs)),
            ["verificationMs"] = LatencyRecorder.Summarize(ok.Select(r => r.Timings!.VerificationMs)),
            ["totalMs"] = LatencyRecorder.Summarize(ok.Select(r => r.Timings!.TotalMs)),
            ["endToEndMs"] = LatencyRecorder.Summarize(ok.Select(r => r.EndToEndMs!.Value)),
        };
        var summary = new ModeSummary(
            mode,
            records.Count,
            records.Count - ok.Length,
            records.Count > 0 ? records.Count(r => r.Correct) / (double)records.Count : double.NaN,
            records.Count > 0 ? records.Count(r => r.CorrectLoose) / (double)records.Count : double.NaN,
            format == DatasetFormat.Arc && records.Count > 0 ? records.Count(r => r.Matched is not null) / (double)records.Count : null,
            Mean(r => r.RecallAtK),
            Mean(r => r.DraftedRecall),
            Mean(r => r.CitedRecall),
            Mean(r => r.AnswerInRetrieved is { } b ? (b ? 1 : 0) : null),
            ok.Length > 0 ? ok.Average(r => r.Drafts) : 0,
            ok.Sum(r => r.FailedDrafts),
            latency,
            ok.Select(r => r.DrafterModel).OfType<string>().Distinct().ToArray(),
            ok.Select(r => r.VerifierModel).OfType<string>().Distinct().ToArray(),
            ok.Select(r => r.Scoring).OfType<string>().Distinct().ToArray())
        {
            QuestionsWithSkippedDocuments = ok.Count(r => r.SkippedDocuments.Count > 0),
        };
        var drafted = records.Where(r => r.DraftRecords.Count > 0).ToArray();
        if (drafted.Length == 0 || records.Count == 0)
        {
            return summary;
        }

        // Over all questions, as accuracy is: a question whose query failed has no right draft.
        var oracle = drafted.Count(r => SelectionAnalysis.Oracle(r.DraftRecords)) / (double)records.Count;
        return summary with
        {
            OracleAtM = oracle,
            SelectionEfficiency = oracle > 0 ? summary.Accuracy / oracle : null,
            ChanceOracleAtM = format == DatasetFormat.Arc
                ? drafted.Sum(r => SelectionAnalysis.ChanceOracle(r.OptionCount ?? 0, r.DraftRecords.Count)) / records.Count
                : null,
            Coverage = Mean(r => r.Coverage),
            Ablations = SelectionAnalysis.Ablations.ToDictionary(a => a, a => drafted.Sum(r => SelectionAnalysis.Ablated(r.DraftRecords, a)) / records.Count),
        };
    }

    private static BenchReport BuildReport(RunInfo run, EvalSettings settings, string dataset, DatasetFormat format, string target, int questions,
        IReadOnlyList<ModeSummary> summaries, IReadOnlyList<EvalRecord> records, IngestSummary? ingest)
    {
        var report = new BenchReport
        {
            Command = "eval",
            Title = $"Eval: {dataset}, {questions} questions",
            Run = run,
            Parameters = new Dictionary<string, object?>
            {
                ["data"] = settings.Data, ["format"] = dataset, ["corpus"] = settings.Corpus, ["limit"] = questions, ["modes"] = summaries.Select(s => s.Mode).ToArray(),
                ["drafts"] = settings.Drafts, ["docsPerDraft"] = settings.DocsPerDraft, ["topK"] = settings.TopK, ["seed"] = settings.Seed, ["moreSeeds"] = settings.ExtraSeeds, ["target"] = target,
            },
            Results = new { summaries, ingest, records },
        };

        IReadOnlyList<string> Row(string name, Func<ModeSummary, string> cell) => [name, .. summaries.Select(cell)];
        var rows = new List<IReadOnlyList<string>>
        {
            Row("accuracy (gold contained, whole words)", s => $"{Fmt.Pct(s.Accuracy)} ({(int)Math.Round(s.Accuracy * s.Questions)}/{s.Questions})"),
        };
        if (format == DatasetFormat.Arc)
        {
            rows.Add(Row("an option was identified in the answer", s => Fmt.Pct(s.OptionChosenRate)));
        }
        else
        {
            rows.Add(Row("accuracy (gold contained, substring)", s => Fmt.Pct(s.AccuracyLoose)));
            rows.Add(Row("gold answer in the top-k passages (extractive ceiling)", s => Fmt.Pct(s.AnswerInRetrievedRate)));
        }

        if (format == DatasetFormat.Musique)
        {
            rows.Add(Row($"recall@{settings.TopK} of supporting paragraphs", s => Fmt.Pct(s.RecallAtK)));
            rows.Add(Row("supporting paragraphs seen by some draft", s => Fmt.Pct(s.DraftedRecall)));
            rows.Add(Row("supporting paragraphs cited by the answer", s => Fmt.Pct(s.CitedRecall)));
        }

        rows.Add(Row("oracle@m (some draft holds the gold answer)", s => Fmt.Pct(s.OracleAtM)));
        rows.Add(Row("selection efficiency (accuracy ÷ oracle@m)", s => Fmt.Num(s.SelectionEfficiency, "F2")));
        if (format == DatasetFormat.Arc)
        {
            rows.Add(Row("oracle@m by chance (each draft a uniformly random option)", s => Fmt.Pct(s.ChanceOracleAtM)));
        }

        rows.Add(Row($"coverage (share of the top-{settings.TopK} passages some draft saw)", s => Fmt.Pct(s.Coverage)));
        foreach (var ablation in SelectionAnalysis.Ablations)
        {
            rows.Add(Row($"ablation: accuracy {ablation}", s => s.Ablations.TryGetValue(ablation, out var value) ? Fmt.Pct(value) : "—"));
        }

        rows.Add(Row("questions with skipped documents (no text, no title)", s => Fmt.Int(s.QuestionsWithSkippedDocuments)));
        rows.Add(Row("drafts per query", s => Fmt.Num(s.MeanDrafts, "F1")));
        rows.Add(Row("failed drafts / errors", s => $"{s.FailedDrafts} / {s.Errors}"));
        rows.Add(Row("drafter model", s => string.Join(", ", s.DrafterModels.DefaultIfEmpty("—"))));
        rows.Add(Row("verifier model", s => string.Join(", ", s.VerifierModels.DefaultIfEmpty("—"))));
        report.Tables.Add(new ReportTable($"Answer quality, {dataset}", ["metric", .. summaries.Select(s => s.Mode)], rows));

        var stages = new[] { ("retrieval", "retrievalMs"), ("clustering", "clusteringMs"), ("drafting", "draftingMs"), ("verification", "verificationMs"), ("total (in the query grain)", "totalMs"), ("end to end (client)", "endToEndMs") };
        report.Tables.Add(new ReportTable("Latency per stage, ms (p50 / p90 / p99)", ["stage", .. summaries.Select(s => s.Mode)],
            stages.Select(stage => (IReadOnlyList<string>)[stage.Item1, .. summaries.Select(s => s.Latency[stage.Item2] is { Count: > 0 } l && (l.MaxMs > 0 || stage.Item2 == "totalMs")
                ? $"{Fmt.Ms(l.P50Ms)} / {Fmt.Ms(l.P90Ms)} / {Fmt.Ms(l.P99Ms)}" : "—")]).ToArray()));

        var examples = records.GroupBy(r => r.ItemId).Take(5).SelectMany(g => g).Select(r => (IReadOnlyList<string>)
            [r.ItemId, r.Mode, Fmt.Truncate(r.Question, 90), Fmt.Truncate(r.Answer ?? r.Error, 140), r.Correct ? "yes" : "no"]).ToArray();
        report.Tables.Add(new ReportTable("First answers (all are in the JSON)", ["id", "mode", "question", "answer", "correct"], examples));

        if (ingest is not null)
        {
            report.Tables.Add(new ReportTable("Corpus ingestion", ["documents", "passages", "seconds", "passages/s"],
                [[Fmt.Int(ingest.Documents), Fmt.Int(ingest.Passages), Fmt.Num(ingest.Seconds, "F1"), Fmt.Num(ingest.PassagesPerSecond, "F1")]]));
        }

        foreach (var s in summaries)
        {
            report.Headlines.Add(new Headline($"{dataset} accuracy, {s.Mode}", $"{Fmt.Pct(s.Accuracy)} of {s.Questions}"));
            report.Headlines.Add(new Headline($"{dataset} end-to-end p50, {s.Mode}", $"{Fmt.Ms(s.Latency["endToEndMs"].P50Ms)} ms"));
            if (s.OracleAtM is { } oracleAtM)
            {
                report.Headlines.Add(new Headline($"{dataset} oracle@{settings.Drafts} / selection efficiency, {s.Mode}", $"{Fmt.Pct(oracleAtM)} / {Fmt.Num(s.SelectionEfficiency, "F2")}"));
            }
        }

        // Speculative against standard under every clustering asked for (--seed and --more-seeds), as questions right.
        var standard = summaries.FirstOrDefault(s => s.Mode == Standard);
        var clusterings = summaries.Where(s => s.Mode == Speculative || s.Mode.StartsWith($"{Speculative}/seed", StringComparison.Ordinal)).ToArray();
        if (standard is not null && clusterings.Length > 1)
        {
            int Right(ModeSummary s) => (int)Math.Round(s.Accuracy * s.Questions);
            var atLeast = clusterings.Count(s => Right(s) >= Right(standard));
            var perSeed = string.Join(", ", clusterings.Select(s => $"{Right(s)}/{Right(standard)}"));
            report.Headlines.Add(new Headline($"{dataset} speculative ≥ standard over K-means seeds", $"{atLeast} of {clusterings.Length} ({perSeed} right)"));
            report.Notes.Add($"Speculative ≥ standard in {atLeast} of {clusterings.Length} clusterings (K-means seeds {string.Join(", ", new[] { settings.Seed }.Concat(settings.ExtraSeeds))}); questions right, speculative/standard: {perSeed}.");
        }

        if (summaries.FirstOrDefault(s => s.RecallAtK is not null)?.RecallAtK is { } recall)
        {
            report.Headlines.Add(new Headline($"{dataset} recall@{settings.TopK} of supporting paragraphs", Fmt.Pct(recall)));
        }

        var models = summaries.SelectMany(s => s.DrafterModels.Concat(s.VerifierModels)).Distinct().ToArray();
        report.Notes.Add($"Target: {target}. Models named by the responses: {string.Join(", ", models)}.");
        report.Notes.Add(format switch
        {
            DatasetFormat.Arc => "ARC scoring: the options are appended to the question (\"… Options: A) … B) …\"); the chosen option is the one whose label the answer names (\"A)\", \"(A)\", \"answer is A\") or, failing that, whose text it contains as whole words (the longest when several do); no option found counts as wrong. Chance on four options is 25 %.",
            _ => "Scoring: correct when a gold answer or alias is contained in the answer after lower-casing, replacing punctuation by spaces and dropping a/an/the — as whole words (main figure) and as a plain substring (the paper's code; a short alias like \"pol\" then matches \"police\").",
        });
        report.Notes.Add("The embedded default models are extractive: the answer is a sentence of the passages or, for a description question, the phrase of it that describes the name asked about; for a multiple-choice question, the option its passages support best. Accuracy is what such an answer scores under the paper's metric, nothing more; the \"extractive ceiling\" row is how often the gold answer occurs in the passages at all.");
        report.Notes.Add("Mechanism: oracle@m and the ablations are computed from the drafts each speculative query returned, by selecting again from their scores (random selection is the expected accuracy of a uniformly chosen draft). Selection efficiency = accuracy ÷ oracle@m. 'speculative' uses the product's default subset sampling; 'speculative/…' the other one, on the same questions.");
        if (format == DatasetFormat.MusiqueRelations)
        {
            report.Notes.Add("MuSiQue relations: each relation-form sub-question (\"Brand >> author\", \"#1\" replaced by the earlier hop's answer) is asked with PopQA's template for its relation (\"Who is the author of Brand?\"), or one in the same style for a relation PopQA does not ask about.");
        }

        if (format == DatasetFormat.MusiqueInline)
        {
            report.Notes.Add($"MuSiQue inline: each multi-hop question is asked with its item's 20 paragraphs as documents, ranked by the bench with all-MiniLM-L6-v2 (cosine of question and title + text) and cut to the top {settings.TopK}, as a dense retriever would hand them over (the issue's held-out setting: documents given in the request); the 'extractive ceiling' row is over those. --corpus is not used.");
        }

        if (format is DatasetFormat.MusiqueHops or DatasetFormat.MusiqueRelations)
        {
            report.Notes.Add($"MuSiQue sub-questions: each is asked with its item's paragraphs as documents, ranked by the bench with all-MiniLM-L6-v2 (cosine of question and title + text) and cut to the top {settings.TopK}, as a dense retriever would hand them over; the 'extractive ceiling' row is over those. --corpus is not used.");
        }

        if (format == DatasetFormat.Musique)
        {
            report.Notes.Add($"MuSiQue: the corpus is indexed into collection '{ingest?.Collection}' (document id = slug of the title + line number, title = title); recall counts a supporting paragraph as retrieved when a passage of a document with its exact text (else its title) is among the retrieved passages. recall@k is the exact top-k of ICollectionGrain.SearchAsync (in-process only; the REST API returns only the passages the drafts and the answer used).");
        }

        if (settings.ExtraSeeds.Count > 0)
        {
            report.Notes.Add($"'speculative/seedN' asks speculative mode (default sampling) with K-means seed N instead of {settings.Seed}: another, equally valid clustering of the same passages, so other subsets, on the same questions.");
        }

        if (summaries.Count > 1)
        {
            report.Notes.Add("Both modes answer the same questions, one after the other; the order alternates per question because the first query warms the embedding cache for the second.");
        }

        return report;
    }
}

public sealed record IngestSummary(string Collection, int Documents, int Passages, double Seconds, double PassagesPerSecond);
