using Microsoft.AspNetCore.Http.HttpResults;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary><c>GET /v1/cluster/silos</c>: the silos the cluster's membership knows, for operators and scripts.</summary>
public static class ClusterApi
{
    public sealed record SiloInfo(string Address, string Status, IReadOnlyList<string> Roles, string? Name, int? DraftsInFlight, int? MaxDraftsInFlight);

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster/silos", GetSilosAsync)
            .WithTags("Cluster")
            .WithName("GetSilos")
            .WithSummary("The silos in the cluster's membership with their status and roles.");
        return app;
    }

    public static async Task<Ok<SiloInfo[]>> GetSilosAsync(IGrainFactory grains, ClusterCalls cluster, CancellationToken cancellationToken)
    {
        var silos = await cluster.ReadAsync(() => grains.GetGrain<IClusterStatusGrain>(0).GetSilosAsync(), cancellationToken);
        return TypedResults.Ok(silos.Select(s => new SiloInfo(s.Address, s.Status, s.Roles, s.Name, s.DraftsInFlight, s.MaxDraftsInFlight)).ToArray());
    }
}
