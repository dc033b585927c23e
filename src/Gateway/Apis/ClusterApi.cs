using Microsoft.AspNetCore.Http.HttpResults;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary><c>GET /v1/cluster/silos</c>: the silos the cluster's membership knows, for operators and scripts.</summary>
public static class ClusterApi
{
    public sealed record SiloInfo(string Address, string Status);

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster/silos", GetSilosAsync)
            .WithTags("Cluster")
            .WithName("GetSilos")
            .WithSummary("The silos in the cluster's membership and their status.");
        return app;
    }

    public static async Task<Ok<SiloInfo[]>> GetSilosAsync(IGrainFactory grains)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
        return TypedResults.Ok(hosts
            .OrderBy(h => h.Key.ToString(), StringComparer.Ordinal)
            .Select(h => new SiloInfo(h.Key.ToString(), h.Value.ToString()))
            .ToArray());
    }
}
