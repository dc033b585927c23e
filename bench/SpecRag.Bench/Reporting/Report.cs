namespace Orleans.SpecRag.Bench.Reporting;

/// <summary>A table for people: rendered to the console with Spectre.Console and into the Markdown report.</summary>
public sealed record ReportTable(string Title, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, string? Note = null);

/// <summary>One of the performance targets, next to what this run measured.</summary>
/// <param name="Name">What is measured, e.g. "parallel efficiency, m = 5".</param>
/// <param name="Target">The target as text, e.g. "≥ 0.95".</param>
/// <param name="Measured">The measured value in <paramref name="Unit"/>; null when it could not be measured.</param>
/// <param name="Met">Whether the target was met; null when nothing was measured.</param>
/// <param name="Gap">By how much a missed target was missed, in words; empty when met.</param>
public sealed record TargetCheck(string Name, string Target, double? Measured, string Unit, bool? Met, string Gap)
{
    /// <summary>A target of the form "measured ≥ threshold".</summary>
    public static TargetCheck AtLeast(string name, double threshold, double? measured, string unit, string format = "F3") =>
        new(name, $"≥ {threshold.ToString(format, Fmt.Culture)} {unit}".TrimEnd(), measured, unit,
            measured is { } m ? m >= threshold : null,
            measured is { } v && v < threshold ? $"missed by {(threshold - v).ToString(format, Fmt.Culture)} {unit} ({v / threshold:P0} of target)".Replace("  ", " ") : "");

    /// <summary>A target of the form "measured ≤ threshold".</summary>
    public static TargetCheck AtMost(string name, double threshold, double? measured, string unit, string format = "F3") =>
        new(name, $"≤ {threshold.ToString(format, Fmt.Culture)} {unit}".TrimEnd(), measured, unit,
            measured is { } m ? m <= threshold : null,
            measured is { } v && v > threshold ? $"missed by {(v - threshold).ToString(format, Fmt.Culture)} {unit} ({v / threshold:F1}× the target)" : "");
}

/// <summary>A key number of a report, collected by <c>summary</c>.</summary>
public sealed record Headline(string Name, string Value);

/// <summary>Everything one command produced: the JSON keeps <see cref="Results"/> (raw numbers), the Markdown the tables.</summary>
public sealed class BenchReport
{
    public required string Command { get; init; }

    public required string Title { get; init; }

    public required RunInfo Run { get; init; }

    public required IReadOnlyDictionary<string, object?> Parameters { get; init; }

    public List<TargetCheck> Targets { get; } = [];

    public List<Headline> Headlines { get; } = [];

    /// <summary>Facts a reader needs to interpret the numbers (what was simulated, what was not measured, why a target is missed).</summary>
    public List<string> Notes { get; } = [];

    public List<ReportTable> Tables { get; } = [];

    /// <summary>The raw measurements, for machines.</summary>
    public object? Results { get; set; }
}
