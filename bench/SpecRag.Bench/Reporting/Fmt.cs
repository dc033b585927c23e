using System.Globalization;

namespace Orleans.SpecRag.Bench.Reporting;

/// <summary>Number formatting for tables: invariant culture, so reports read the same on every machine.</summary>
public static class Fmt
{
    public static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Ms(double? value) => value is { } v ? v.ToString(v < 10 ? "F2" : "F1", Culture) : "—";

    public static string Num(double? value, string format = "F2") => value is { } v && !double.IsNaN(v) ? v.ToString(format, Culture) : "—";

    public static string Pct(double? value) => value is { } v && !double.IsNaN(v) ? (v * 100).ToString("F1", Culture) + " %" : "—";

    public static string Int(long value) => value.ToString("N0", Culture);

    public static string Truncate(string? text, int length) =>
        text is null ? "" : text.Length <= length ? text : text[..(length - 1)] + "…";
}
