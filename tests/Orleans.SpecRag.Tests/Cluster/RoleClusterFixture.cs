using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Hosting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Tests.Support;
using Orleans.TestingHost;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Tests.Cluster;

/// <summary>
/// A real three-silo Orleans cluster in this process: the primary silo is a verifier, the two others are
/// drafters (the GPU silos of a production cluster). Drafters run <see cref="BarrierDraftModel"/>.
/// </summary>
public class RoleClusterFixture : IAsyncLifetime
{
    public BarrierDraftModel Drafter { get; } = new();

    public ModelCallLog CallLog { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>Roles by silo position: index 0 is the primary silo.</summary>
    protected virtual string[] SiloRoles => [SpecRag.SiloRoles.Verifier, SpecRag.SiloRoles.Drafter, SpecRag.SiloRoles.Drafter];

    private readonly Dictionary<string, string> _rolesBySiloName = new();
    private readonly string _storeKey = "cluster-" + Guid.NewGuid().ToString("N");
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "specrag-tests", "cluster-" + Guid.NewGuid().ToString("N"));

    /// <summary>The silos' data directory (the segment cache of <c>azure</c> storage).</summary>
    public string DataPath => _dataPath;

    public IReadOnlyList<SiloAddress> SilosWithRole(string role) =>
        Cluster.Silos.Where(s => _rolesBySiloName[s.Name].Split(',').Contains(role)).Select(s => s.SiloAddress).ToArray();

    /// <summary>Configuration every silo gets besides its roles.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>By default: the barrier drafter and the extractive verifier, both logging where they ran.</summary>
    protected virtual void ConfigureModels(IServiceCollection services)
    {
        services.AddSingleton<IDraftModel>(sp => new SiloRecordingDraftModel(Drafter, sp.GetRequiredService<ILocalSiloDetails>(), CallLog));
        services.AddSingleton<IVerifierModel>(sp => new SiloRecordingVerifierModel(
            new Models.Extractive.ExtractiveVerifierModel(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()), sp.GetRequiredService<ILocalSiloDetails>(), CallLog));
    }

    public virtual async Task InitializeAsync()
    {
        var roles = SiloRoles;
        var next = 0;
        var builder = new InProcessTestClusterBuilder((short)roles.Length);
        builder.ConfigureSilo((options, silo) =>
        {
            var siloRoles = roles[Interlocked.Increment(ref next) - 1];
            lock (_rolesBySiloName)
            {
                _rolesBySiloName[options.SiloName] = siloRoles;
            }

            // Segments of "memory" storage live in a temporary directory the cluster's silos share.
            var settings = new Dictionary<string, string?>(Settings) { ["SpecRag:Roles"] = siloRoles, ["Orleans:ClusterId"] = _storeKey };
            settings.TryAdd("SpecRag:Storage", "memory");
            settings.TryAdd("SpecRag:DataPath", _dataPath);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            silo.AddSpecRag(configuration);
            silo.Services.AddSingleton(SharedModels.MiniLm);
            ConfigureModels(silo.Services);
        });
        builder.ConfigureClient(client => client.AddActivityPropagation());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        await SharedModels.MiniLm.WarmUpAsync();
    }

    public virtual async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>A cluster whose only silo is a verifier: drafts cannot be placed anywhere.</summary>
public sealed class VerifierOnlyClusterFixture : RoleClusterFixture
{
    protected override string[] SiloRoles => [SpecRag.SiloRoles.Verifier];
}
