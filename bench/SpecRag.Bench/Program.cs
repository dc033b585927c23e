using Orleans.SpecRag.Bench.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Orleans.SpecRag.Bench;

/// <summary>
/// Entry point of <c>specrag-bench</c>. Not top-level statements: the gateway project (referenced for
/// <c>WebApplicationFactory&lt;Program&gt;</c>) already owns the global <c>Program</c> type.
/// </summary>
public static class BenchProgram
{
    public static Task<int> Main(string[] args)
    {
        // Redirected output (CI logs, a file) has no terminal width; 80 columns would squeeze the tables.
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 160;
        }

        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("specrag-bench");
            config.SetExceptionHandler((exception, _) =>
            {
                // A wrong option (ArgumentException, a parse error) is the user's to fix: the message is enough.
                if (exception is ArgumentException or CommandAppException)
                {
                    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(exception.Message)}");
                }
                else
                {
                    AnsiConsole.WriteException(exception, ExceptionFormats.ShortenPaths);
                }

                return 1;
            });
            config.AddCommand<EvalCommand>("eval")
                .WithDescription("Answer accuracy, retrieval recall and per-stage latency on PopQA, ARC-Challenge or MuSiQue, speculative next to standard RAG.")
                .WithExample("eval", "--data", "../shared/data/popqa-dev.jsonl", "--format", "popqa", "--limit", "50", "--out", "bench/results/run");
            config.AddCommand<OverheadCommand>("overhead")
                .WithDescription("Parallel efficiency and orchestration overhead of Orleans against an in-process Task.WhenAll limit, with simulated-latency models.")
                .WithExample("overhead", "--drafts", "1,5,10,20", "--draft-ms", "200", "--verify-ms", "50", "--jitter-ms", "20");
            config.AddCommand<LoadCommand>("load")
                .WithDescription("Gateway throughput and latency under concurrent load, next to the embedder-bound limit.")
                .WithExample("load", "--concurrency", "1,8,64", "--requests", "400");
            config.AddCommand<RetrievalCommand>("retrieval")
                .WithDescription("Search latency and recall@10 at 100k–1M passages on the segment store (HNSW + rescoring, BM25, fusion), activation, write cost, ingestion vs raw ONNX, MuSiQue recall by retrieval mode.")
                .WithExample("retrieval", "--passages", "100000,1000000");
            config.AddCommand<SummaryCommand>("summary")
                .WithDescription("Collects the targets and key numbers of every report in --out into summary.json and summary.md.")
                .WithExample("summary", "--out", "bench/results/run");
        });
        return app.RunAsync(args);
    }
}
