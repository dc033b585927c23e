using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Orleans.SpecRag.Cli.Commands;

public sealed class AskSettings : GatewaySettings
{
    [CommandArgument(0, "<QUESTION>")]
    public string Question { get; set; } = string.Empty;

    [CommandOption("-c|--collection <NAME>")]
    [Description("The collection to answer from. Default: the gateway's (docs).")]
    public string? Collection { get; set; }

    [CommandOption("-m|--mode <MODE>")]
    [Description("speculative (default) or standard.")]
    public string? Mode { get; set; }

    [CommandOption("-d|--drafts <M>")]
    [Description("Drafts per query (1..32). Default: the gateway's (5).")]
    public int? Drafts { get; set; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Question) ? ValidationResult.Error("Ask a question: specrag ask \"…\".")
        : Mode is not (null or "speculative" or "standard") ? ValidationResult.Error("--mode must be speculative or standard.")
        : base.Validate();
}

/// <summary><c>specrag ask "question"</c>: the answer, its citations, and a table of the drafts with their scores.</summary>
public sealed class AskCommand(IAnsiConsole console, GatewayConnector connector) : AsyncCommand<AskSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AskSettings settings, CancellationToken cancellationToken)
    {
        var client = connector.Connect(settings);
        var result = await client.AskAsync(new { question = settings.Question, collection = settings.Collection, mode = settings.Mode, drafts = settings.Drafts }, cancellationToken);

        console.Write(new Panel(Markup.Escape(result.Answer)).Header("answer").Border(BoxBorder.Rounded));
        foreach (var citation in result.Citations)
        {
            console.MarkupLine($"  [grey]source[/] {Markup.Escape(citation.Id)}{(citation.Title is { Length: > 0 } t ? $" — {Markup.Escape(t)}" : string.Empty)}");
        }

        if (result.Drafts.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).AddColumns("#", "answer", "ρ_Draft", "ρ_SC", "ρ_SR", "total", "ms", "silo");
            foreach (var draft in result.Drafts.OrderBy(d => d.Index))
            {
                var mark = draft.Index == result.SelectedDraft ? "[green]✓[/] " : string.Empty;
                table.AddRow(
                    mark + draft.Index.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(draft.Answer.Length > 70 ? draft.Answer[..70] + "…" : draft.Answer),
                    Score(draft.Scores.Draft), draft.Scores.SelfConsistency is { } sc ? Score(sc) : "—", Score(draft.Scores.SelfReflection), Score(draft.Scores.Total),
                    draft.LatencyMs.ToString("F0", CultureInfo.InvariantCulture), Markup.Escape(draft.Silo));
            }

            console.Write(table);
        }

        console.MarkupLine($"[grey]{result.Mode}{(result.Partial ? ", partial" : string.Empty)} · {result.Timings.TotalMs:F0} ms · drafter {Markup.Escape(result.Models.Drafter ?? "—")} · verifier {Markup.Escape(result.Models.Verifier)} · query {result.Id}[/]");
        return 0;
    }

    private static string Score(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
