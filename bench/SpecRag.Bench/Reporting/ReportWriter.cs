using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Orleans.SpecRag.Bench.Reporting;

/// <summary>Writes a report as <c>NAME.json</c> (for machines) and <c>NAME.md</c> (for people), and shows its tables on the console.</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static (string Json, string Markdown) Write(string directory, string name, BenchReport report)
    {
        Directory.CreateDirectory(directory);
        var jsonPath = Path.Combine(directory, name + ".json");
        var markdownPath = Path.Combine(directory, name + ".md");
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            report.Command,
            report.Title,
            report.Run,
            report.Parameters,
            report.Targets,
            report.Headlines,
            report.Notes,
            report.Results,
        }, Json));
        File.WriteAllText(markdownPath, ToMarkdown(report));
        return (jsonPath, markdownPath);
    }

    public static void Show(BenchReport report)
    {
        foreach (var table in report.Tables)
        {
            var console = new Table().Title($"[bold]{Markup.Escape(table.Title)}[/]").Border(TableBorder.Rounded);
            foreach (var header in table.Headers)
            {
                console.AddColumn(new TableColumn(Markup.Escape(header)));
            }

            foreach (var row in table.Rows)
            {
                console.AddRow(row.Select(cell => Markup.Escape(cell)).ToArray());
            }

            if (table.Note is not null)
            {
                console.Caption(Markup.Escape(table.Note));
            }

            AnsiConsole.Write(console);
        }

        if (report.Targets.Count > 0)
        {
            var targets = new Table().Title("[bold]Targets[/]").Border(TableBorder.Rounded)
                .AddColumns("target", "goal", "measured", "met", "gap");
            foreach (var t in report.Targets)
            {
                targets.AddRow(Markup.Escape(t.Name), Markup.Escape(t.Target), Markup.Escape(MeasuredText(t)),
                    t.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "[grey]n/a[/]" }, Markup.Escape(t.Gap));
            }

            AnsiConsole.Write(targets);
        }

        foreach (var note in report.Notes)
        {
            AnsiConsole.MarkupLine($"[grey]• {Markup.Escape(note)}[/]");
        }
    }

    public static string MeasuredText(TargetCheck t) =>
        t.Measured is { } m ? $"{m.ToString(Math.Abs(m) < 10 ? "F3" : "F1", Fmt.Culture)} {t.Unit}".TrimEnd() : "not measured";

    public static string ToMarkdown(BenchReport report)
    {
        var md = new StringBuilder();
        md.AppendLine($"# {report.Title}").AppendLine();
        var run = report.Run;
        var m = run.Machine;
        md.AppendLine($"- date: {run.Date:yyyy-MM-dd HH:mm} UTC, commit `{run.GitCommit[..Math.Min(12, run.GitCommit.Length)]}`{(run.GitDirty ? " (with uncommitted changes)" : "")}");
        md.AppendLine($"- machine: {m.Cores} cores{(m.CpuModel is null ? "" : $" ({m.CpuModel})")}, {m.MemoryGiB:F1} GiB, {m.Os} {m.Architecture}, {m.Runtime}, {(m.ServerGc ? "server" : "workstation")} GC, {m.BuildConfiguration} build");
        md.AppendLine($"- command: `specrag-bench {string.Join(' ', run.CommandLine)}`").AppendLine();

        if (report.Targets.Count > 0)
        {
            AppendTable(md, new ReportTable("Targets", ["target", "goal", "measured", "met", "gap"],
                report.Targets.Select(t => (IReadOnlyList<string>)[t.Name, t.Target, MeasuredText(t), t.Met switch { true => "yes", false => "**no**", null => "n/a" }, t.Gap]).ToArray()));
        }

        foreach (var table in report.Tables)
        {
            AppendTable(md, table);
        }

        if (report.Notes.Count > 0)
        {
            md.AppendLine("## Notes").AppendLine();
            foreach (var note in report.Notes)
            {
                md.AppendLine($"- {note}");
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    public static void AppendTable(StringBuilder md, ReportTable table)
    {
        md.AppendLine($"## {table.Title}").AppendLine();
        md.AppendLine("| " + string.Join(" | ", table.Headers.Select(Cell)) + " |");
        md.AppendLine("|" + string.Concat(table.Headers.Select(_ => "---|")));
        foreach (var row in table.Rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }

        md.AppendLine();
        if (table.Note is not null)
        {
            md.AppendLine(table.Note).AppendLine();
        }
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ");
}
