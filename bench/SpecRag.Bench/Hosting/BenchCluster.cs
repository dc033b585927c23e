using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.SpecRag.Hosting;
using Orleans.SpecRag.Models;
using Orleans.TestingHost;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Bench.Hosting;

/// <summary>
/// A real multi-silo Orleans cluster in this process (<see cref="InProcessTestCluster"/>): silo 0 is a verifier, the
/// others are drafters, the shape of a production cluster with GPU drafter silos. Every silo is configured like
/// production with <c>silo.AddSpecRag(configuration)</c>; the only difference is that all silos share one MiniLM
/// embedder, as they share this machine's cores (one ONNX session per silo would oversubscribe two cores).
/// InProcessTestCluster joins its silos with Orleans' in-memory transport: messages are serialised and framed as
/// between machines, but do not cross a network.
/// </summary>
public sealed class BenchCluster : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> VerifierAndTwoDrafters = [SiloRoles.Verifier, SiloRoles.Drafter, SiloRoles.Drafter];

    private readonly DirectoryInfo _scratch;

    private BenchCluster(InProcessTestCluster cluster, IReadOnlyList<string> roles, DirectoryInfo scratch)
    {
        Cluster = cluster;
        Roles = roles;
        _scratch = scratch;
    }

    public InProcessTestCluster Cluster { get; }

    public IReadOnlyList<string> Roles { get; }

    public IGrainFactory Grains => Cluster.Client;

    public string Description => $"in-process Orleans cluster, {Roles.Count} silos ({string.Join(", ", Roles)})";

    /// <param name="embedder">The one embedder every silo uses.</param>
    /// <param name="configureModels">Registers replacement models (the overhead bench's simulated ones); null keeps the configured backends.</param>
    public static async Task<BenchCluster> StartAsync(MiniLmEmbedder embedder, Action<IServiceCollection>? configureModels = null, IReadOnlyList<string>? roles = null)
    {
        roles ??= VerifierAndTwoDrafters;
        var next = 0;
        var builder = new InProcessTestClusterBuilder((short)roles.Count);
        var storeKey = "bench-" + Guid.NewGuid().ToString("N");
        builder.ConfigureSilo((_, silo) =>
        {
            var siloRoles = roles[Interlocked.Increment(ref next) - 1];
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["SpecRag:Roles"] = siloRoles, ["SpecRag:Storage"] = "memory", ["Orleans:ClusterId"] = storeKey })
                .Build();
            silo.AddSpecRag(configuration);
            silo.Services.AddSingleton(embedder);
            configureModels?.Invoke(silo.Services);
        });
        // InProcessTestCluster also logs every silo and the client to files under ./logs (its FileLoggerProvider);
        // the bench keeps warnings on the console and writes nothing into the folder it is run from.
        builder.ConfigureSiloHost((_, host) => QuietLogging(host.Services, host.Logging));
        builder.ConfigureClientHost(host => QuietLogging(host.Services, host.Logging));
        builder.ConfigureClient(client =>
        {
            QuietLogging(client.Services, null);
            // As the product's client (UseSpecRagClustering): an ingestion call embeds a whole batch, which on two busy cores
            // can take longer than Orleans' default 30 s (the bench's 200-document MuSiQue batches did).
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
        });
        var cluster = builder.Build();

        // The test host creates its (empty, see QuietLogging) log files under ./logs while the silos are built:
        // let it do so in a scratch folder rather than wherever the bench was started.
        var workingDirectory = Environment.CurrentDirectory;
        var scratch = Directory.CreateTempSubdirectory("specrag-bench-");
        try
        {
            Environment.CurrentDirectory = scratch.FullName;
            await cluster.DeployAsync();
        }
        finally
        {
            Environment.CurrentDirectory = workingDirectory;
        }

        return new BenchCluster(cluster, roles, scratch);
    }

    /// <summary>Warnings only, and without the test host's per-silo log files (file I/O on every message would distort the timings).</summary>
    private static void QuietLogging(IServiceCollection services, ILoggingBuilder? logging)
    {
        logging?.SetMinimumLevel(LogLevel.Warning);
        foreach (var file in services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationInstance?.GetType().Name == "FileLoggerProvider").ToArray())
        {
            services.Remove(file);
            (file.ImplementationInstance as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="probe"/> until it succeeds: silo roles reach every silo through membership, so for a
    /// moment after start-up a query can find no drafter silo.
    /// </summary>
    public static async Task<T> UntilReadyAsync<T>(Func<Task<T>> probe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await probe();
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && ex.GetBaseException() is RoleUnavailableException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                await Task.Delay(250);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        try
        {
            _scratch.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
