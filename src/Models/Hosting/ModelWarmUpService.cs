using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Orleans.SpecRag.Models;

namespace Orleans.SpecRag.Models.Hosting;

/// <summary>
/// Loads the embedder and the drafter and verifier models at start-up, so the first query does not pay
/// for it and readiness means "can answer". A model that fails to load keeps the silo unready and says why.
/// </summary>
public sealed class ModelWarmUpService(IServiceProvider services, ModelReadiness readiness, ILogger<ModelWarmUpService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            var embedder = services.GetRequiredService<MiniLmEmbedder>();
            await embedder.WarmUpAsync(stoppingToken);

            // Constructing a model loads its weights (a GGUF file can take seconds): off the host's start-up path.
            var (drafter, verifier) = await Task.Run(() => (services.GetRequiredService<IDraftModel>(), services.GetRequiredService<IVerifierModel>()), stoppingToken);
            await Task.Run(Extractive.Countries.WarmUp, stoppingToken);
            readiness.Loaded($"embedder {embedder.ModelName}, drafter {drafter.Name}, verifier {verifier.Name}");
            logger.LogInformation("Models loaded in {Ms:F0} ms: embedder {Embedder}, drafter {Drafter}, verifier {Verifier}",
                TimeProvider.System.GetElapsedTime(started).TotalMilliseconds, embedder.ModelName, drafter.Name, verifier.Name);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            readiness.Failed(ex.Message);
            logger.LogError(ex, "Loading the models failed");
        }
    }
}

/// <summary>Whether this host's models are loaded.</summary>
public sealed class ModelReadiness
{
    private volatile string _status = "loading";
    private volatile bool _ready;

    public bool IsReady => _ready;

    public string Status => _status;

    public void Loaded(string description)
    {
        _status = description;
        _ready = true;
    }

    public void Failed(string reason) => _status = $"failed to load: {reason}";
}

/// <summary>Ready once every model is loaded.</summary>
public sealed class ModelReadinessCheck(ModelReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy($"models loaded: {readiness.Status}")
            : HealthCheckResult.Unhealthy($"models {readiness.Status}"));
}
