using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Orleans.SpecRag.Models;

namespace Orleans.SpecRag.Hosting;

/// <summary>Loads the embedding model at start-up so the first query does not pay for it and readiness is honest.</summary>
public sealed class ModelWarmUpService(MiniLmEmbedder embedder, ILogger<ModelWarmUpService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        await embedder.WarmUpAsync(stoppingToken);
        logger.LogInformation("Embedding model {Model} loaded in {Ms:F0} ms", embedder.ModelName, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
    }
}

/// <summary>Ready once the embedding model is loaded.</summary>
public sealed class ModelReadinessCheck(MiniLmEmbedder embedder) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(embedder.IsLoaded
            ? HealthCheckResult.Healthy($"{embedder.ModelName} loaded")
            : HealthCheckResult.Unhealthy($"{embedder.ModelName} is still loading"));
}
