using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.SpecRag.Gateway.Apis;
using Orleans.SpecRag.Gateway.DemoCorpus;
using Orleans.SpecRag.Gateway.Health;
using Orleans.SpecRag.Gateway.Hosting;
using Orleans.SpecRag.Gateway.Limits;
using Orleans.SpecRag.Gateway.Problems;
using Orleans.SpecRag.Gateway.Validation;
using Orleans.SpecRag.Hosting;
using Orleans.SpecRag.ServiceDefaults;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

// With nothing configured the gateway co-hosts one silo with both roles, localhost clustering and memory
// storage: the embedded default that runs on a fresh machine. In a real cluster (SpecRag:Clustering = azure
// or kubernetes) it is an Orleans client of the silos.
var hosting = HostingSettings.Read(builder.Configuration);
var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
if (hosting.Clustering == "localhost" && gateway.CoHostSilo)
{
    builder.UseOrleans(silo => silo
        .UseSpecRagClustering(builder.Configuration)
        .AddSpecRag(builder.Configuration)
        .AddSpecRagDashboard());
}
else
{
    builder.UseOrleansClient(client =>
    {
        client.UseSpecRagClustering(builder.Configuration).AddSpecRagDashboard();
        // Calls in flight through a gateway the client loses are sent again through the others (ClusterCalls).
        client.Services.AddSingleton<GatewayCountChangedHandler>(sp => sp.GetRequiredService<GatewayLossSignal>().OnGatewayCountChanged);
    });
    builder.Services.AddHealthChecks().AddCheck<ClusterConnectionCheck>("cluster", tags: [ServiceDefaultsExtensions.ReadyTag]);
}

builder.Services.AddSingleton(hosting);
builder.Services.AddValidatedOptions<GatewayOptions>(builder.Configuration, GatewayOptions.Section);
builder.Services.AddValidatedOptions<Orleans.SpecRag.Querying.QueryOptions>(builder.Configuration, Orleans.SpecRag.Querying.QueryOptions.Section);
builder.Services.AddSingleton<GatewayLossSignal>();
builder.Services.AddSingleton<ClusterCalls>();
builder.Services.AddSingleton<QueryCalls>();
builder.Services.AddOpenApi();
builder.Services.AddClientRateLimiting(builder.Configuration);

// Let malformed bodies reach SpecRagExceptionHandler, which names the offending field in the problem.
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.AddExceptionHandler<SpecRagExceptionHandler>();
// AddValidation: request bodies are validated by their annotations (Validation/RequestBodies.cs) before an endpoint runs.
builder.Services.AddRequestValidation();
builder.Services.ConfigureHttpJsonOptions(options =>
{
    options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
});

builder.Services.AddValidatedOptions<DemoCorpusOptions>(builder.Configuration, DemoCorpusOptions.Section);
builder.Services.AddSingleton<DemoCorpusSeeder>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<DemoCorpusSeeder>());
builder.Services.AddHealthChecks().AddCheck<DemoCorpusSeeder>("demo-corpus", tags: [ServiceDefaultsExtensions.ReadyTag]);
builder.Services.AddHostedService<StartupBanner>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<Orleans.SpecRag.Gateway.Files.IngestionJobs>();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

// The web console at "/": static files served by the gateway itself, no CDN.
app.UseDefaultFiles();
app.UseStaticFiles();

app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapOpenApi();
app.MapScalarApiReference(); // The API reference at /scalar/v1, from the OpenAPI document above.
app.MapDefaultEndpoints();
app.MapQueryApi();
app.MapCollectionsApi();
app.MapClusterApi();
app.MapOpenAiApi();

app.Run();

/// <summary>Entry point; public so tests can host the gateway with WebApplicationFactory.</summary>
public partial class Program;
