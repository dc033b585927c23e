using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.SpecRag.Bench.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Orleans.SpecRag.Bench.Commands;

/// <summary>
/// Collects the targets and key numbers of every report in a folder into one page. It reads only what the other
/// commands wrote (their JSON), so the summary can never disagree with the reports.
/// </summary>
public sealed class SummaryCommand : Command<BenchSettings>
{
    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellationToken)
    {
        var files = Directory.Exists(settings.Out)
            ? Directory.GetFiles(settings.Out, "*.json").Where(f => Path.GetFileName(f) != "summary.json").Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0)
        {
            AnsiConsole.MarkupLine($"[yellow]summary:[/] no reports in {Markup.Escape(settings.Out)}.");
            return 1;
        }

        var reports = files.Select(f => (File: Path.GetFileName(f), Json: JsonNode.Parse(File.ReadAllText(f))!)).ToArray();
        var targets = reports.SelectMany(r => r.Json["targets"]!.AsArray().Select(t => (r.File, Target: t!.Deserialize<TargetCheck>(ReportWriter.Json)!))).ToArray();
        var headlines = reports.SelectMany(r => r.Json["headlines"]!.AsArray().Select(h => (r.File, Headline: h!.Deserialize<Headline>(ReportWriter.Json)!))).ToArray();
        var runs = reports.Select(r => r.Json["run"]!.Deserialize<RunInfo>(ReportWriter.Json)!).ToArray();
        var first = runs.OrderBy(r => r.Date).First();
        var commits = runs.Select(r => r.GitCommit + (r.GitDirty ? " (dirty)" : "")).Distinct().ToArray();

        var md = new StringBuilder();
        md.AppendLine("# Benchmark summary").AppendLine();
        var m = first.Machine;
        md.AppendLine($"- runs: {runs.Min(r => r.Date):yyyy-MM-dd HH:mm} to {runs.Max(r => r.Date):HH:mm} UTC, commit {string.Join(", ", commits.Select(c => $"`{c}`"))}");
        md.AppendLine($"- machine: {m.Cores} cores{(m.CpuModel is null ? "" : $" ({m.CpuModel})")}, {m.MemoryGiB:F1} GiB, {m.Os}, {m.Runtime}, {m.BuildConfiguration} build");
        md.AppendLine($"- reports: {string.Join(", ", reports.Select(r => $"[{r.File}]({r.File}) ([md]({Path.ChangeExtension(r.File, ".md")}))"))}").AppendLine();

        var targetTable = new ReportTable("Targets", ["report", "target", "goal", "measured", "met", "gap"],
            targets.Select(t => (IReadOnlyList<string>)[t.File, t.Target.Name, t.Target.Target, ReportWriter.MeasuredText(t.Target),
                t.Target.Met switch { true => "yes", false => "**no**", null => "n/a" }, t.Target.Gap]).ToArray());
        var headlineTable = new ReportTable("Key numbers", ["report", "what", "value"],
            headlines.Select(h => (IReadOnlyList<string>)[h.File, h.Headline.Name, h.Headline.Value]).ToArray());
        ReportWriter.AppendTable(md, targetTable);
        ReportWriter.AppendTable(md, headlineTable);

        File.WriteAllText(Path.Combine(settings.Out, "summary.md"), md.ToString());
        File.WriteAllText(Path.Combine(settings.Out, "summary.json"), JsonSerializer.Serialize(new
        {
            runs = runs.Select(r => new { r.Date, r.GitCommit, r.GitDirty, r.CommandLine }).ToArray(),
            machine = first.Machine,
            targets = targets.Select(t => new { report = t.File, t.Target }).ToArray(),
            headlines = headlines.Select(h => new { report = h.File, h.Headline }).ToArray(),
        }, ReportWriter.Json));

        ReportWriter.Show(new BenchReport
        {
            Command = "summary",
            Title = "Benchmark summary",
            Run = first,
            Parameters = new Dictionary<string, object?>(),
            Tables = { targetTable, headlineTable },
        });
        AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(Path.Combine(settings.Out, "summary.md"))}[/] and summary.json");
        return 0;
    }
}
