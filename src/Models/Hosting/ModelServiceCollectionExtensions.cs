using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Models.Decorators;
using Orleans.SpecRag.Models.Embedding;
using Orleans.SpecRag.Models.Extractive;
using Orleans.SpecRag.Models.Llama;
using Orleans.SpecRag.Models.OpenAi;
using Orleans.SpecRag.Telemetry;

namespace Orleans.SpecRag.Models.Hosting;

/// <summary>Registers the embedder and the drafter and verifier models a host's configuration chooses, with their warm-up.</summary>
public static class ModelServiceCollectionExtensions
{
    public const string ExtractiveBackend = "extractive";

    /// <summary>The embedder and the drafter and verifier models chosen by <c>SpecRag:Drafter:Backend</c> and <c>SpecRag:Verifier:Backend</c>.</summary>
    public static IServiceCollection AddSpecRagModels(this IServiceCollection services, IConfiguration configuration)
    {
        // Cache outermost: telemetry then shows only the texts that reached the model.
        services.AddSingleton<MiniLmEmbedder>();
        services.AddSingleton<EmbeddingCache>();
        services.AddEmbeddingGenerator(sp => new BorrowedEmbeddingGenerator(sp.GetRequiredService<MiniLmEmbedder>()))
            .Use((inner, sp) => new MemoryCachingEmbeddingGenerator(inner, sp.GetRequiredService<EmbeddingCache>()))
            .UseOpenTelemetry(sourceName: SpecRagTelemetry.Name);

        var drafter = RoleOptions(configuration, Drafter);
        var verifier = RoleOptions(configuration, Verifier);
        services.AddSingleton<IDraftModel>(sp => drafter.Backend switch
        {
            OpenAiBackend => new OpenAiDraftModel(Endpoint(sp, drafter, Drafter)),
            LlamaBackend => new LlamaDraftModel(sp.GetRequiredService<LlamaRuntimes>().Get(drafter, Drafter), drafter),
            _ => new ExtractiveDraftModel(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()),
        });
        services.AddSingleton<IVerifierModel>(sp => verifier.Backend switch
        {
            OpenAiBackend => new OpenAiVerifierModel(Endpoint(sp, verifier, Verifier)),
            LlamaBackend => new LlamaVerifierModel(sp.GetRequiredService<LlamaRuntimes>().Get(verifier, Verifier), verifier),
            _ => new ExtractiveVerifierModel(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()),
        });
        services.AddSingleton<LlamaRuntimes>();

        // What grains call: whichever backend is registered (tests register their own), wrapped in the host's decorators.
        services.AddKeyedSingleton(ServedModels.Key, (sp, _) => sp.GetRequiredService<IDraftModel>().AsBuilder().UseOpenTelemetry().UseLogging().Build(sp));
        services.AddKeyedSingleton(ServedModels.Key, (sp, _) => sp.GetRequiredService<IVerifierModel>().AsBuilder().UseOpenTelemetry().UseLogging().Build(sp));

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

        options.ValidateFor($"SpecRag:{role}");

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

/// <summary>The service key of the models as grains call them: the registered backend inside the host's decorators.</summary>
public static class ServedModels
{
    public const string Key = "specrag.served";
}
