using Microsoft.Extensions.AI;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Bench.Reporting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Bench.Hosting;

/// <summary>
/// The real gateway (src/Gateway/Program.cs) in this process on a real Kestrel socket on a free loopback port,
/// co-hosting its silo with the embedded default: extractive models, MiniLM, memory storage and the demo corpus
/// (the project's docs, collection <c>docs</c>). One change: the embedder under the gateway's cache is wrapped in
/// a <see cref="RecordingEmbedder"/>, so the bench can replay the embedder work it did.
/// </summary>
public sealed class InProcessGateway : WebApplicationFactory<Program>
{
    private readonly int _port = Loopback.FreePort();

    public RecordingEmbedder? Recorder { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{_port}/");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Orleans:Endpoints:SiloPort", Loopback.FreePort().ToString());
        builder.UseSetting("Orleans:Endpoints:GatewayPort", Loopback.FreePort().ToString());
        builder.UseSetting("Orleans:ClusterId", "bench-" + Guid.NewGuid().ToString("N")[..8]);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("SpecRag:Storage", "memory"); // every bench run starts from an empty store
        builder.UseSetting("Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks", "None"); // "not ready yet" while starting is expected
        if (RepoPaths.Root is { } root)
        {
            // WebApplicationFactory finds the content root through MvcTestingAppManifest.json in the *current*
            // directory, which holds for `dotnet test` but not for a tool run from anywhere: name it here.
            builder.UseContentRoot(Path.Combine(root, "src", "Gateway"));
            builder.UseSetting("SpecRag:DemoCorpus:Path", Path.Combine(root, "docs"));
        }

        builder.ConfigureTestServices(services => services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            Recorder = new RecordingEmbedder(new BorrowedEmbeddingGenerator(sp.GetRequiredService<MiniLmEmbedder>()));
            return new MemoryCachingEmbeddingGenerator(Recorder);
        }));
    }

    /// <summary>Starts Kestrel on 127.0.0.1 and waits until <c>/health/ready</c> (models loaded, demo corpus indexed).</summary>
    public async Task<HttpClient> StartAsync(TimeSpan timeout)
    {
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, _port));
        StartServer();
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return client;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The gateway did not become ready: {await response.Content.ReadAsStringAsync()}");
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            await Task.Delay(250);
        }
    }

    /// <summary>The gateway's own MiniLM instance: the embedder-bound limit is measured on the very model it uses.</summary>
    public MiniLmEmbedder Embedder => Services.GetRequiredService<MiniLmEmbedder>();
}
