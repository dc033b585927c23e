using Orleans.Metadata;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Orleans.SpecRag.Placement;

/// <summary>
/// A placement filter that keeps only silos whose published roles (silo metadata
/// <see cref="SiloRoles.MetadataKey"/>) include <see cref="Role"/>. Orleans' built-in metadata filters
/// compare candidates with the <em>calling</em> silo, so they cannot say "GPU silos only"; this one can.
/// </summary>
public sealed class SiloRolePlacementFilterStrategy : PlacementFilterStrategy
{
    private const string RoleProperty = "silo-role";
    private const string AvoidProperty = "silo-role-avoid";

    public SiloRolePlacementFilterStrategy() : this(string.Empty)
    {
    }

    public SiloRolePlacementFilterStrategy(string role, bool avoid = false) : base(order: 0)
    {
        Role = role;
        Avoid = avoid;
    }

    public string Role { get; private set; }

    /// <summary>Inverted: prefer silos <em>without</em> the role, and use any silo only when all have it.</summary>
    public bool Avoid { get; private set; }

    public override void AdditionalInitialize(GrainProperties properties)
    {
        Role = GetPlacementFilterGrainProperty(RoleProperty, properties) ?? string.Empty;
        Avoid = GetPlacementFilterGrainProperty(AvoidProperty, properties) == "true";
    }

    protected override IEnumerable<KeyValuePair<string, string>> GetAdditionalGrainProperties(
        IServiceProvider services, Type grainClass, GrainType grainType, IReadOnlyDictionary<string, string> existingProperties)
    {
        yield return new KeyValuePair<string, string>(RoleProperty, Role);
        yield return new KeyValuePair<string, string>(AvoidProperty, Avoid ? "true" : "false");
    }
}

/// <summary>
/// Applies <see cref="SiloRolePlacementFilterStrategy"/> using the silo metadata cache. A caller may also name
/// the silo it wants (request context <see cref="TargetSiloKey"/>): when that silo has the role, it is the only
/// candidate. The query uses it to spread drafts over drafter silos and to resend a draft elsewhere.
/// </summary>
public sealed class SiloRolePlacementFilterDirector(SiloRoleDirectory roles) : IPlacementFilterDirector
{
    public const string TargetSiloKey = "specrag.target-silo";

    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var strategy = filterStrategy as SiloRolePlacementFilterStrategy;
        var role = strategy?.Role;
        if (string.IsNullOrEmpty(role))
        {
            return silos;
        }

        if (strategy!.Avoid)
        {
            var candidates = silos.ToArray();
            // A silo whose roles are not known yet (it just joined; its metadata is still on its way) is not "without
            // the role": a restarted drafter silo otherwise took queries and shards until its roles arrived.
            var without = candidates.Where(silo => roles.KnowsRoles(silo) && !roles.HasRole(silo, role)).ToArray();
            return without.Length > 0 ? without : candidates;
        }

        var withRole = silos.Where(silo => roles.HasRole(silo, role)).ToArray();
        if (target.RequestContextData?.TryGetValue(TargetSiloKey, out var requested) == true && requested is string text)
        {
            var wanted = withRole.FirstOrDefault(s => s.ToParsableString() == text);
            if (wanted is not null)
            {
                return [wanted];
            }
        }

        return withRole;
    }
}

/// <summary>Places a grain only on silos with the drafter role (the GPU-backed ones in production).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DrafterSilosOnlyAttribute() : PlacementFilterAttribute(new SiloRolePlacementFilterStrategy(SiloRoles.Drafter));

/// <summary>
/// Keeps a grain off drafter silos when other silos exist. Drafter silos are the elastic GPU pool that
/// autoscaling adds and removes; queries and collection shards belong on the stable silos.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AvoidDrafterSilosAttribute() : PlacementFilterAttribute(new SiloRolePlacementFilterStrategy(SiloRoles.Drafter, avoid: true));

/// <summary>Places a grain only on silos with the verifier role.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class VerifierSilosOnlyAttribute() : PlacementFilterAttribute(new SiloRolePlacementFilterStrategy(SiloRoles.Verifier));

/// <summary>Answers "which active silos have role X" from membership and the silo metadata cache.</summary>
public sealed class SiloRoleDirectory(IClusterMembershipService membership, ISiloMetadataCache metadata)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<SiloAddress, DateTimeOffset> _suspects = new();

    /// <summary>
    /// Remembers that <paramref name="silo"/> just failed a call: a killed silo stays "active" in membership
    /// until the cluster votes it dead, and meanwhile new work should not be sent there.
    /// </summary>
    public void Suspect(SiloAddress silo, TimeSpan duration) => _suspects[silo] = DateTimeOffset.UtcNow + duration;

    public bool IsSuspect(SiloAddress silo) =>
        _suspects.TryGetValue(silo, out var until) && (until > DateTimeOffset.UtcNow || !_suspects.TryRemove(silo, out _));

    public bool KnowsRoles(SiloAddress silo) => metadata.GetSiloMetadata(silo).Metadata.ContainsKey(SiloRoles.MetadataKey);

    public bool HasRole(SiloAddress silo, string role) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRoles.MetadataKey, out var roles) && SiloRoles.Contains(roles, role);

    public IReadOnlyList<SiloAddress> ActiveSilosWithRole(string role) =>
        membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && HasRole(m.SiloAddress, role))
            .Select(m => m.SiloAddress)
            .ToArray();

    /// <summary>
    /// Throws <see cref="RoleUnavailableException"/> when no active silo has the role. A silo that has just
    /// joined may not have its metadata cached yet, so an empty answer is re-checked briefly before failing.
    /// </summary>
    public async Task EnsureAvailableAsync(string role, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (ActiveSilosWithRole(role).Count > 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }

        throw new RoleUnavailableException(role);
    }
}
