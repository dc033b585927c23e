using System.Net;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Extractive;
using Orleans.SpecRag.Models.LanguageModels;
using Orleans.SpecRag.Models.Llama;
using Orleans.SpecRag.Placement;

namespace Orleans.SpecRag.Hosting;

/// <summary>Wires Speculative RAG into a silo: roles, placement, storage, models. Shared by the silo host, the gateway and tests.</summary>
public static class SpecRagSiloBuilderExtensions
{
    public const string ExtractiveBackend = "extractive";

    /// <summary>Adds the grains' services and publishes the silo's roles (configuration <c>SpecRag:Roles</c>).</summary>
    public static ISiloBuilder AddSpecRag(this ISiloBuilder silo, IConfiguration configuration)
    {
        var roles = SiloRoles.Parse(configuration["SpecRag:Roles"]);
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = string.Join(',', roles) });
        silo.AddActivityPropagation();

        var storage = configuration["SpecRag:Storage"] ?? "memory";
        if (!storage.Equals("memory", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SpecRag:Storage '{storage}' is not supported; use 'memory'.");
        }

        silo.AddMemoryGrainStorage(SpecRagStorage.Name);

        silo.Services.AddPlacementFilter<SiloRolePlacementFilterStrategy, SiloRolePlacementFilterDirector>(ServiceLifetime.Singleton);
        silo.Services.AddSingleton<SiloRoleDirectory>();
        silo.Services.AddSingleton<Drafting.DraftDispatcher>();
        silo.Services.AddSpecRagModels(configuration);
        return silo;
    }

    /// <summary>
    /// Localhost clustering with ports from configuration (<c>Orleans:Endpoints:SiloPort</c>,
    /// <c>Orleans:Endpoints:GatewayPort</c>), so several silos can run side by side on one machine;
    /// a silo that is not the first joins <c>SpecRag:Clustering:PrimarySiloEndpoint</c>.
    /// </summary>
    public static ISiloBuilder UseSpecRagClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        var mode = configuration["SpecRag:Clustering"] ?? "localhost";
        if (!mode.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SpecRag:Clustering '{mode}' is not supported; use 'localhost'.");
        }

        var siloPort = configuration.GetValue("Orleans:Endpoints:SiloPort", EndpointOptions.DEFAULT_SILO_PORT);
        var gatewayPort = configuration.GetValue("Orleans:Endpoints:GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT);
        var primary = configuration["SpecRag:Clustering:PrimarySiloEndpoint"] is { Length: > 0 } text
            ? IPEndPoint.Parse(text)
            : null;
        silo.UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: "specrag", clusterId: configuration["Orleans:ClusterId"] ?? "specrag-local");
        return silo;
    }

    /// <summary>The embedder and the drafter and verifier models chosen by <c>SpecRag:Drafter:Backend</c> and <c>SpecRag:Verifier:Backend</c>.</summary>
    public static IServiceCollection AddSpecRagModels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<MiniLmEmbedder>();
        services.AddSingleton<IEmbedder>(sp => new CachingEmbedder(
            sp.GetRequiredService<MiniLmEmbedder>(),
            new MemoryCache(new MemoryCacheOptions { SizeLimit = CachingEmbedder.CapacityInVectors })));

        var drafter = RoleOptions(configuration, Drafter);
        var verifier = RoleOptions(configuration, Verifier);
        services.AddSingleton<IDraftModel>(sp => drafter.Backend switch
        {
            OpenAiBackend => new OpenAiDraftModel(Endpoint(sp, drafter, Drafter)),
            LlamaBackend => new LlamaDraftModel(sp.GetRequiredService<LlamaRuntimes>().Get(drafter, Drafter), drafter),
            _ => new ExtractiveDraftModel(sp.GetRequiredService<IEmbedder>()),
        });
        services.AddSingleton<IVerifierModel>(sp => verifier.Backend switch
        {
            OpenAiBackend => new OpenAiVerifierModel(Endpoint(sp, verifier, Verifier)),
            LlamaBackend => new LlamaVerifierModel(sp.GetRequiredService<LlamaRuntimes>().Get(verifier, Verifier), verifier),
            _ => new ExtractiveVerifierModel(sp.GetRequiredService<IEmbedder>()),
        });
        services.AddSingleton<LlamaRuntimes>();

        AddModelHttpClient(services, Drafter, drafter);
        AddModelHttpClient(services, Verifier, verifier);

        services.AddSingleton<ModelReadiness>();
        services.AddHostedService<ModelWarmUpService>();
        services.AddHealthChecks().AddCheck<ModelReadinessCheck>("models", tags: ["ready"]);
        return services;
    }

    public const string OpenAiBackend = "openai";
    public const string LlamaBackend = "llama";
    private const string Drafter = "Drafter";
    private const string Verifier = "Verifier";
    private static readonly string[] Backends = [ExtractiveBackend, OpenAiBackend, LlamaBackend];

    public static string HttpClientName(string role) => $"specrag-{role.ToLowerInvariant()}";

    private static LanguageModelOptions RoleOptions(IConfiguration configuration, string role)
    {
        var options = configuration.GetSection($"SpecRag:{role}").Get<LanguageModelOptions>() ?? new LanguageModelOptions();
        options.Backend = options.Backend.Trim().ToLowerInvariant();
        if (!Backends.Contains(options.Backend))
        {
            throw new InvalidOperationException($"SpecRag:{role}:Backend '{options.Backend}' is not supported; available backends: {string.Join(", ", Backends)}.");
        }

        return options;
    }

    private static OpenAiEndpoint Endpoint(IServiceProvider services, LanguageModelOptions options, string role) =>
        new(options, services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName(role)), role);

    /// <summary>
    /// Model calls get a per-attempt timeout, retries with jittered back-off on transient failures
    /// (5xx, 408, 429, connection errors, attempt timeouts) and a per-endpoint concurrency limit whose
    /// queue absorbs bursts, all from Microsoft.Extensions.Http.Resilience.
    /// </summary>
    private static void AddModelHttpClient(IServiceCollection services, string role, LanguageModelOptions options)
    {
        services.AddHttpClient(HttpClientName(role), client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler(resilience =>
            {
                var attempt = TimeSpan.FromSeconds(Math.Max(1, options.TimeoutSeconds));
                resilience.AttemptTimeout.Timeout = attempt;
                resilience.Retry.MaxRetryAttempts = Math.Max(0, options.Retries);
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
                resilience.TotalRequestTimeout.Timeout = (attempt * (options.Retries + 1)) + TimeSpan.FromSeconds(5);
                resilience.CircuitBreaker.SamplingDuration = attempt * 2 + TimeSpan.FromSeconds(1);
                resilience.RateLimiter.DefaultRateLimiterOptions.PermitLimit = Math.Max(1, options.MaxConcurrency);
                resilience.RateLimiter.DefaultRateLimiterOptions.QueueLimit = 10_000;
            });
    }
}
