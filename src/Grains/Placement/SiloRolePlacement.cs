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

    public SiloRolePlacementFilterStrategy() : this(string.Empty)
    {
    }

    public SiloRolePlacementFilterStrategy(string role) : base(order: 0) => Role = role;

    public string Role { get; private set; }

    public override void AdditionalInitialize(GrainProperties properties) =>
        Role = GetPlacementFilterGrainProperty(RoleProperty, properties) ?? string.Empty;

    protected override IEnumerable<KeyValuePair<string, string>> GetAdditionalGrainProperties(
        IServiceProvider services, Type grainClass, GrainType grainType, IReadOnlyDictionary<string, string> existingProperties)
    {
        yield return new KeyValuePair<string, string>(RoleProperty, Role);
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
        var role = (filterStrategy as SiloRolePlacementFilterStrategy)?.Role;
        if (string.IsNullOrEmpty(role))
        {
            return silos;
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
