using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Gateway.Validation;

/// <summary>
/// The bounds of what a request may carry, beyond the query's own (<see cref="QueryDefaults"/>): shared by the request
/// bodies' annotations, the route parameters' checks and file ingestion, which splits and truncates to fit them.
/// </summary>
public static partial class RequestLimits
{
    public const int MaxIngestDocuments = 1000;
    public const int MaxDocumentIdLength = 200;
    public const int MaxTitleLength = 1000;
    public const int MaxIngestTextLength = 1_000_000;
    public const int MaxChoiceLength = 1000;

    public const string CollectionNameRule = "1 to 64 characters: letters, digits, '-' or '_', starting with a letter or digit";

    public static bool IsValidCollectionName(string? name) => name is not null && CollectionName().IsMatch(name);

    public static bool IsValidDocumentId(string id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= MaxDocumentIdLength && !id.Any(char.IsControl);

    /// <summary>A client's value quoted in an error message, cut short so that a huge value does not make a huge problem.</summary>
    internal static string Shorten(string? value) => value is null ? string.Empty : value.Length <= 80 ? value : value[..80] + "…";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex CollectionName();
}
