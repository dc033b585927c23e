using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.SpecRag.Drafting;

namespace Orleans.SpecRag.Placement;

/// <summary>
/// Answers which silos the cluster has, what each does and, for drafter silos, how many drafts run there now. It runs
/// on a silo because only silos hold the metadata cache where roles live; a gateway that is only an Orleans client
/// asks it. A stateless worker, so a client's call is answered by the silo whose client gateway it reached, which is
/// up by definition, and never waits for a dead one.
/// </summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class ClusterStatusGrain(IClusterMembershipService membership, ISiloMetadataCache metadata, SiloRoleDirectory roles) : Grain, IClusterStatusGrain
{
    /// <summary>A drafter silo that does not report its load this fast is shown without it.</summary>
    public static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(1);

    public async Task<IReadOnlyList<SiloStatusInfo>> GetSilosAsync()
    {
        var silos = membership.CurrentSnapshot.Members.Values
            .OrderBy(m => m.SiloAddress.ToString(), StringComparer.Ordinal)
            .Select(m => new SiloStatusInfo(
                m.SiloAddress.ToString(),
                m.Status.ToString(),
                m.Status == SiloStatus.Active && metadata.GetSiloMetadata(m.SiloAddress).Metadata.TryGetValue(SiloRoles.MetadataKey, out var list)
                    ? SiloRoles.Parse(list)
                    : [],
                m.Name))
            .ToArray();
        var loads = await Task.WhenAll(roles.ActiveSilosWithRole(SiloRoles.Drafter).Select(LoadOfAsync));
        return silos.Select(s => loads.FirstOrDefault(l => l?.Silo == s.Address) is { } load
                ? s with { DraftsInFlight = load.InFlight, MaxDraftsInFlight = load.MaxInFlight }
                : s)
            .ToArray();
    }

    private async Task<DrafterLoad?> LoadOfAsync(SiloAddress silo)
    {
        RequestContext.Set(SiloRolePlacementFilterDirector.TargetSiloKey, silo.ToParsableString());
        try
        {
            return await GrainFactory.GetGrain<IDrafterLoadGrain>(silo.ToParsableString()).GetAsync().WaitAsync(LoadTimeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A silo that cannot say (dying, just joined, placement not settled) is listed without its load.
            return null;
        }
        finally
        {
            RequestContext.Remove(SiloRolePlacementFilterDirector.TargetSiloKey);
        }
    }
}

/// <summary>Reports its silo's drafts in flight. Placed on the silo its key names (request context target silo).</summary>
[DrafterSilosOnly]
public sealed class DrafterLoadGrain(DraftAdmission admission, ILocalSiloDetails local) : Grain, IDrafterLoadGrain
{
    public Task<DrafterLoad> GetAsync() => Task.FromResult(new DrafterLoad(local.SiloAddress.ToString(), admission.InFlight, admission.MaxInFlight));
}
