using System.ComponentModel;
using System.Globalization;
using Spectre.Console.Cli;

namespace Orleans.SpecRag.Bench.Commands;

/// <summary>Options every command has.</summary>
public class BenchSettings : CommandSettings
{
    [CommandOption("--out <DIR>")]
    [Description("Folder for the JSON and Markdown reports (created when missing). Default: bench-out.")]
    public string Out { get; set; } = "bench-out";
}

/// <summary>Comma-separated numeric options such as <c>--drafts 1,5,10,20</c>.</summary>
public static class Lists
{
    public static int[] ParseInts(string text, string option)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.TryParse(v.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{option}: '{v}' is not a positive whole number."))
            .ToArray();
        return values.Length > 0 ? values : throw new ArgumentException($"{option} needs at least one value.");
    }
}
