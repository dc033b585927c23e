using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.SpecRag.Tests.Gateway;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Processes;

/// <summary>
/// The HA topology on separate network hosts (<see cref="NetworkLab"/>), with the product's default membership
/// settings: two verifier silos with client gateways (they host queries, verification and the collection's shards),
/// two drafter silos without, and the REST gateway as an Orleans client on a host of its own; Azure Table membership
/// and Blob storage in Azurite on the lab's bridge. Each node keeps its host, so a restarted silo comes back with the
/// same address and a new generation, as a Kubernetes pod with a stable name would.
/// </summary>
public sealed class LabCluster : IAsyncLifetime
{
    public const string Collection = "faults";
    public const string OperatorKey = "lab-operator-key";
    public const int SiloPort = 11111;
    public const int GatewayPort = 30000;
    public const int SeedDocuments = 24;

    public static readonly string[] Silos = ["verifier-a", "verifier-b", "drafter-a", "drafter-b"];

    private readonly Dictionary<string, LabHost> _hosts = [];
    private readonly Dictionary<string, HostProcess> _running = [];
    private readonly List<HostProcess> _all = [];
    private readonly string _clusterId = "lab-" + Guid.NewGuid().ToString("N")[..8];
    private NetworkLab? _lab;
    private Azurite? _azurite;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(90), DefaultRequestHeaders = { { "X-Api-Key", OperatorKey } } };

    public bool Started => _lab is not null;

    public HostProcess Gateway => _running["gateway"];

    public HostProcess this[string node] => _running[node];

    public LabHost HostOf(string node) => _hosts[node];

    public async Task InitializeAsync()
    {
        if (NetworkLab.UnavailableReason is not null || Azurite.Executable is null)
        {
            return; // The facts skip with the reason.
        }

        _lab = NetworkLab.Create();
        _azurite = await Azurite.StartAsync(_lab.BridgeAddress);
        foreach (var node in Silos.Append("gateway"))
        {
            _hosts[node] = _lab.AddHost(node);
        }

        foreach (var node in Silos.Append("gateway"))
        {
            Start(node);
        }

        await EnsureHealthyAsync();
        var documents = Enumerable.Range(0, SeedDocuments).Select(i => new
        {
            id = $"doc-{i}",
            title = $"Topic {i % 6}",
            text = $"Document {i} is about topic {i % 6}. It mentions river number {i} and city number {i * 7}. Rivers and cities are described here in plain words.",
        }).ToArray();
        var response = await Http.PostAsJsonAsync($"{Gateway.BaseUrl}/v1/collections/{Collection}/documents", new { documents });
        response.EnsureSuccessStatusCode();
    }

    private Dictionary<string, string> Environment(string node)
    {
        var environment = new Dictionary<string, string>
        {
            ["SpecRag__Storage"] = "azure",
            ["SpecRag__Clustering"] = "azure",
            ["ConnectionStrings__AzureStorage"] = _azurite!.ConnectionString,
            ["Orleans__ClusterId"] = _clusterId,
            ["SpecRag__DemoCorpus__Enabled"] = "false",
            ["SpecRag__Auth__ApiKeys"] = OperatorKey,
        };
        if (node != "gateway")
        {
            environment["SpecRag__Roles"] = node.StartsWith("drafter", StringComparison.Ordinal) ? SiloRoles.Drafter : SiloRoles.Verifier;
            environment["Orleans__Endpoints__AdvertisedIPAddress"] = _hosts[node].Address;
            environment["Orleans__Endpoints__SiloPort"] = SiloPort.ToString();
            // Drafter silos come and go with autoscaling: clients connect only to the stable silos' gateways.
            environment["Orleans__Endpoints__GatewayPort"] = node.StartsWith("drafter", StringComparison.Ordinal) ? "0" : GatewayPort.ToString();
        }

        return environment;
    }

    /// <summary>Starts (or starts again) the node's process on its host.</summary>
    public HostProcess Start(string node)
    {
        var (project, assembly) = node == "gateway" ? ("Gateway", "Orleans.SpecRag.Gateway") : ("Silo", "Orleans.SpecRag.Silo");
        var process = HostProcess.Start(node, project, assembly, Environment(node), _hosts[node]);
        _running[node] = process;
        _all.Add(process);
        return process;
    }

    /// <summary>
    /// Brings back any node whose process is gone, then waits until every host runs exactly one Active silo and
    /// the gateway is ready: the state every scenario starts from and must return to.
    /// </summary>
    public async Task<TimeSpan> EnsureHealthyAsync()
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var (node, process) in _running.ToArray())
        {
            if (process.HasExited)
            {
                Start(node);
            }
        }

        foreach (var process in _running.Values)
        {
            await process.WaitUntilReadyAsync(Http, TimeSpan.FromSeconds(120));
        }

        await WaitForAsync(async () =>
        {
            var silos = await SilosAsync();
            return Silos.All(node => silos.Count(s => s.Status == "Active" && s.Address.StartsWith($"S{_hosts[node].Address}:{SiloPort}:", StringComparison.Ordinal)) == 1)
                && silos.Count(s => s.Status == "Active") == Silos.Length;
        }, TimeSpan.FromSeconds(120), "every host to run exactly one active silo");
        return Stopwatch.GetElapsedTime(started);
    }

    public sealed record Silo(string Address, string Status);

    public async Task<IReadOnlyList<Silo>> SilosAsync()
    {
        var silos = await Http.GetFromJsonAsync<JsonElement[]>($"{Gateway.BaseUrl}/v1/cluster/silos", GatewayJson.Options);
        return silos!.Select(s => new Silo(s.GetProperty("address").GetString()!, s.GetProperty("status").GetString()!)).ToArray();
    }

    /// <summary>The membership address (with generation) of the node's silo that is active now.</summary>
    public async Task<string> ActiveAddressAsync(string node) =>
        (await SilosAsync()).Single(s => s.Status == "Active" && s.Address.StartsWith($"S{_hosts[node].Address}:{SiloPort}:", StringComparison.Ordinal)).Address;

    /// <summary>Waits until membership declares that silo dead; returns when it did.</summary>
    public Task<long> WaitDeclaredDeadAsync(string address) =>
        WaitForAsync(async () => (await SilosAsync()).Any(s => s.Address == address && s.Status == "Dead"), TimeSpan.FromSeconds(120), $"{address} to be declared dead");

    public static async Task<long> WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                if (await condition())
                {
                    return Stopwatch.GetTimestamp();
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Waited {timeout.TotalSeconds:F0} s for {what}; see {HostProcess.LogFolder}.");
    }

    /// <summary>Stops every process gracefully (SIGTERM), the gateway first so that it drains its requests.</summary>
    public async Task StopAllAsync()
    {
        foreach (var group in new[] { ["gateway"], Silos })
        {
            foreach (var node in group)
            {
                if (!_running[node].HasExited)
                {
                    _running[node].Terminate();
                }
            }

            foreach (var node in group)
            {
                await _running[node].WaitForExitAsync(TimeSpan.FromSeconds(90));
            }
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            foreach (var process in _all)
            {
                try
                {
                    await process.DisposeAsync();
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or AggregateException)
                {
                }
            }

            if (_azurite is not null)
            {
                await _azurite.DisposeAsync();
            }
        }
        finally
        {
            _lab?.Dispose(); // also kills whatever still runs in its namespaces
            Http.Dispose();
        }
    }
}
