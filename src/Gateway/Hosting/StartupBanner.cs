using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orleans.SpecRag.Hosting;
using Orleans.SpecRag.Models;

namespace Orleans.SpecRag.Gateway.Hosting;

/// <summary>
/// Once the gateway listens, prints where to go next: the web console, the API reference, the dashboard, which models
/// answer and where data is kept. Printed, not logged, like the generated operator key: it is for the person at the
/// console, and logs stay at Warning for Orleans and ASP.NET Core by default (appsettings.json).
/// </summary>
public sealed class StartupBanner(IServer server, IHostApplicationLifetime lifetime, IServiceProvider services, HostingSettings hosting) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => Console.WriteLine(Compose()));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public string Compose()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var url = (addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal)) ?? addresses.FirstOrDefault() ?? "http://localhost:5000")
            .Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal).TrimEnd('/');
        var drafter = services.GetService<IDraftModel>()?.Name;
        var verifier = services.GetService<IVerifierModel>()?.Name;
        var models = drafter is null && verifier is null
            ? "served by the cluster's silos (GET /v1/cluster/silos)"
            : $"drafter {drafter ?? "on the drafter silos"}, verifier {verifier ?? "on the verifier silos"}";
        var data = hosting.Storage switch
        {
            "local" => hosting.DataDirectory,
            "memory" => "in memory: nothing outlives the process",
            _ => $"{hosting.Storage} (segment cache in {hosting.DataDirectory})",
        };
        return string.Join(Environment.NewLine,
            string.Empty,
            "  Orleans.SpecRag is ready",
            $"    web console     {url}/",
            $"    API reference   {url}/scalar/v1   (OpenAPI: {url}/openapi/v1.json)",
            $"    dashboard       {url}/dashboard/",
            $"    models          {models}",
            $"    data            {data}",
            $"    addresses       {string.Join(", ", addresses)}",
            string.Empty);
    }
}
