using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orleans.SpecRag.Gateway.Health;

/// <summary>A client gateway is ready when it reaches the cluster and at least one silo is active.</summary>
public sealed class ClusterConnectionCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                : HealthCheckResult.Unhealthy("No active silo in the cluster.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("The cluster is not reachable.", ex);
        }
    }
}
