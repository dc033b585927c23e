using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using Orleans.Hosting;

namespace Orleans.SpecRag.ServiceDefaults;

/// <summary>
/// What every Speculative RAG host (gateway, silo) wires the same way: telemetry, health, problem details,
/// API-key authentication and the Orleans Dashboard.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Telemetry sources of the service and of Orleans.</summary>
    public static readonly string[] TraceSources = ["Orleans.SpecRag", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static readonly string[] Meters = ["Orleans.SpecRag", "Microsoft.Orleans"];

    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    /// <summary>Authorization policy for operator endpoints (the dashboard, and in later releases ingestion).</summary>
    public const string OperatorPolicy = "operator";

    /// <summary>Authorization policy for queries when <c>SpecRag:Auth:RequireForQueries</c> is true.</summary>
    public const string QueryPolicy = "query";

    /// <summary>
    /// Operator endpoints need a key when keys are configured, and always outside Development, where a host without
    /// keys either serves loopback clients only or generates a key (<see cref="OperatorAccess"/>).
    /// </summary>
    public static TBuilder RequireOperator<TBuilder>(this TBuilder endpoints, Microsoft.AspNetCore.Hosting.IWebHostEnvironment environment, IConfiguration configuration)
        where TBuilder : IEndpointConventionBuilder =>
        !environment.IsDevelopment() || ApiKeyAuthenticationOptions.ReadKeys(configuration).Count > 0
            ? endpoints.RequireAuthorization(OperatorPolicy)
            : endpoints;

    /// <summary>Queries need a key only when <c>SpecRag:Auth:RequireForQueries</c> is true.</summary>
    public static TBuilder RequireQueryKeyIfConfigured<TBuilder>(this TBuilder endpoints, IConfiguration configuration)
        where TBuilder : IEndpointConventionBuilder =>
        configuration.GetValue("SpecRag:Auth:RequireForQueries", false) ? endpoints.RequireAuthorization(QueryPolicy) : endpoints;

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();

        // Room for a silo to finish the requests it is running and hand over its grains when it is stopped.
        // DOTNET_SHUTDOWNTIMEOUTSECONDS (the host's own setting, used by the Kubernetes manifests) wins when set.
        if (builder.Configuration["shutdownTimeoutSeconds"] is null)
        {
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("SpecRag:ShutdownTimeout", TimeSpan.FromSeconds(45)));
        }
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddProblemDetails();

        var access = OperatorAccess.Decide(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(access);
        var keys = ApiKeyAuthenticationOptions.ReadKeys(builder.Configuration).Concat(access.GeneratedKey is { } generated ? [generated] : []).ToArray();
        var queryKeys = ApiKeyAuthenticationOptions.ReadKeys(builder.Configuration, "SpecRag:Auth:QueryKeys");
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, options =>
            {
                options.KeyHashes = keys.Select(ApiKeyAuthenticationOptions.Hash).ToArray();
                options.QueryKeyHashes = queryKeys.Select(ApiKeyAuthenticationOptions.Hash).ToArray();
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OperatorPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAssertion(context => context.User.IsInRole(ApiKeyAuthenticationOptions.OperatorRole) || access.AllowsWithoutKey(context.Resource as HttpContext)))
            .AddPolicy(QueryPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireRole(ApiKeyAuthenticationOptions.OperatorRole, ApiKeyAuthenticationOptions.QueryRole));
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        // Scopes carry the query id; the trace and span ids come with every log record through OpenTelemetry.
        builder.Logging.AddSimpleConsole(console =>
        {
            console.IncludeScopes = true;
            console.SingleLine = true;
        });

        var console = builder.Configuration.GetValue("SpecRag:Telemetry:Console", false);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddMeter(Meters)
                    .AddPrometheusExporter();
                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(TraceSources)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                        !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics"))
                    .AddHttpClientInstrumentation();
                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            });

        // OTLP only when an endpoint is configured, as the OpenTelemetry conventions expect.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>The Orleans Dashboard's data collection in this silo; serve it with <see cref="MapDefaultEndpoints"/>.</summary>
    public static ISiloBuilder AddSpecRagDashboard(this ISiloBuilder silo) => silo.AddDashboard();

    /// <summary>The Orleans Dashboard served by a host that is only a client of the cluster.</summary>
    public static IClientBuilder AddSpecRagDashboard(this IClientBuilder client) => client.AddDashboard();

    /// <summary>
    /// <c>/health/live</c>: the process runs. <c>/health/ready</c>: it can serve (cluster joined, models loaded).
    /// <c>/metrics</c>: Prometheus scrape endpoint. <c>/dashboard</c>: the Orleans Dashboard, which needs an
    /// API key outside Development.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag) || r.Tags.Contains(LiveTag) });
        app.MapPrometheusScrapingEndpoint("/metrics");

        var dashboard = app.MapOrleansDashboard(routePrefix: "/dashboard");
        dashboard.RequireOperator(app.Environment, app.Configuration);
        // Printed, not logged: a generated key belongs on the operator's console, never in a log pipeline.
        if (app.Services.GetRequiredService<OperatorAccess>().Announcement is { } announcement)
        {
            Console.WriteLine(announcement);
        }

        return app;
    }
}
