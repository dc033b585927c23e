using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Orleans.SpecRag.Placement;

/// <summary>
/// Answers which silos the cluster has and what each does. It runs on a silo because only silos hold the metadata
/// cache where roles live; a gateway that is only an Orleans client asks it. A stateless worker, so a client's call
/// is answered by the silo whose client gateway it reached, which is up by definition, and never waits for a dead one.
/// </summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class ClusterStatusGrain(IClusterMembershipService membership, ISiloMetadataCache metadata) : Grain, IClusterStatusGrain
{
    public Task<IReadOnlyList<SiloStatusInfo>> GetSilosAsync() =>
        Task.FromResult<IReadOnlyList<SiloStatusInfo>>(membership.CurrentSnapshot.Members.Values
            .OrderBy(m => m.SiloAddress.ToString(), StringComparer.Ordinal)
            .Select(m => new SiloStatusInfo(
                m.SiloAddress.ToString(),
                m.Status.ToString(),
                m.Status == SiloStatus.Active && metadata.GetSiloMetadata(m.SiloAddress).Metadata.TryGetValue(SiloRoles.MetadataKey, out var roles)
                    ? SiloRoles.Parse(roles)
                    : [],
                m.Name))
            .ToArray());
}
