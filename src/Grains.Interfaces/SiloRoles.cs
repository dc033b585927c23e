namespace Orleans.SpecRag;

/// <summary>
/// The roles a silo can play. A silo publishes its roles as Orleans silo metadata under
/// <see cref="MetadataKey"/>; placement filters read them to pin grains to the right hardware.
/// </summary>
public static class SiloRoles
{
    /// <summary>Runs the small specialist drafter model; in production these silos own a GPU.</summary>
    public const string Drafter = "drafter";

    /// <summary>Runs the large generalist verifier model.</summary>
    public const string Verifier = "verifier";

    /// <summary>Silo metadata key whose value is the comma-separated role list.</summary>
    public const string MetadataKey = "specrag.roles";

    public static readonly IReadOnlyList<string> All = [Drafter, Verifier];

    /// <summary>Parses a comma list such as <c>"drafter, verifier"</c>; unknown roles are rejected.</summary>
    public static IReadOnlyList<string> Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return All;
        }

        var roles = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.ToLowerInvariant())
            .Distinct()
            .ToArray();
        var unknown = roles.Where(r => !All.Contains(r)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException(
                $"Unknown silo role(s) '{string.Join(", ", unknown)}' in SpecRag:Roles; known roles are: {string.Join(", ", All)}.");
        }

        return roles;
    }

    /// <summary>True when a metadata value (comma list) contains <paramref name="role"/>.</summary>
    public static bool Contains(string? metadataValue, string role) =>
        metadataValue is not null &&
        metadataValue.Split(',', StringSplitOptions.TrimEntries).Contains(role, StringComparer.OrdinalIgnoreCase);
}

/// <summary>A silo as operators see it: its address, membership status and roles.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloStatusInfo(
    [property: Id(0)] string Address,
    [property: Id(1)] string Status,
    [property: Id(2)] IReadOnlyList<string> Roles,
    [property: Id(3)] string? Name)
{
    /// <summary>Drafts running on the silo now (drafter silos; null when it did not answer in time).</summary>
    [Id(4)] public int? DraftsInFlight { get; init; }

    /// <summary>Its bound on drafts in flight (<c>SpecRag:Drafter:MaxInFlight</c>).</summary>
    [Id(5)] public int? MaxDraftsInFlight { get; init; }
}

/// <summary>Drafts in flight on one drafter silo (keyed by the silo's address, and placed on it).</summary>
public interface IDrafterLoadGrain : IGrainWithStringKey
{
    [Orleans.Concurrency.AlwaysInterleave]
    Task<DrafterLoad> GetAsync();
}

[GenerateSerializer, Immutable]
public sealed record DrafterLoad([property: Id(0)] string Silo, [property: Id(1)] int InFlight, [property: Id(2)] int MaxInFlight);

/// <summary>The cluster's silos with their roles, read from membership and silo metadata on a silo (key 0).</summary>
public interface IClusterStatusGrain : IGrainWithIntegerKey
{
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<SiloStatusInfo>> GetSilosAsync();
}
