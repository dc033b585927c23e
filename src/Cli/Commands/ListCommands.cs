using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Orleans.SpecRag.Cli.Commands;

/// <summary><c>specrag collections</c>: every collection with its document and passage counts.</summary>
public sealed class CollectionsCommand(IAnsiConsole console, GatewayConnector connector) : AsyncCommand<GatewaySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, GatewaySettings settings, CancellationToken cancellationToken)
    {
        var list = await connector.Connect(settings).ListCollectionsAsync(cancellationToken);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("collection", "documents", "passages");
        foreach (var collection in list.Collections)
        {
            table.AddRow(Markup.Escape(collection.Name), collection.Documents.ToString(CultureInfo.InvariantCulture), collection.Passages.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
        return 0;
    }
}

/// <summary><c>specrag status</c>: the cluster's silos, their status and roles.</summary>
public sealed class StatusCommand(IAnsiConsole console, GatewayConnector connector) : AsyncCommand<GatewaySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, GatewaySettings settings, CancellationToken cancellationToken)
    {
        var silos = await connector.Connect(settings).GetSilosAsync(cancellationToken);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("silo", "name", "status", "roles", "drafts in flight");
        foreach (var silo in silos)
        {
            var status = silo.Status == "Active" ? "[green]Active[/]" : Markup.Escape(silo.Status);
            table.AddRow(Markup.Escape(silo.Address), Markup.Escape(silo.Name ?? string.Empty), status, Markup.Escape(string.Join(", ", silo.Roles)),
                silo.DraftsInFlight is { } inFlight ? $"{inFlight} / {silo.MaxDraftsInFlight}" : "—");
        }

        console.Write(table);
        console.MarkupLine($"{silos.Count(s => s.Status == "Active")} active of {silos.Count} silos at {Markup.Escape(settings.GatewayUri.ToString())}");
        return 0;
    }
}
