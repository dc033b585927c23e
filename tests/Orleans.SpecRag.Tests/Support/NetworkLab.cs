using System.Diagnostics;
using System.Globalization;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// Separate network hosts on this machine: each host is a Linux network namespace with one veth link to a bridge in
/// the test's own namespace, on a private /24 (10.213.N.0/24) that exists only while the lab does. The test process
/// sits on the bridge (address .1), so it reaches every host and every host reaches it (Azurite listens there).
/// <see cref="Cut"/> sets a host's link down: nothing reaches it and it reaches nothing, without a reset or an
/// error on either side, as when a node's network goes. Needs root; <see cref="UnavailableReason"/> says why not.
/// </summary>
public sealed class NetworkLab : IDisposable
{
    private const string Prefix = "srlab";
    private readonly List<LabHost> _hosts = [];
    private readonly string _bridge;
    private bool _bridgeCreated;
    private readonly string _subnet;
    private bool _disposed;

    private NetworkLab(string id, string subnet)
    {
        Id = id;
        _subnet = subnet;
        _bridge = $"srl{id}br";
        BridgeAddress = $"{subnet}.1";
    }

    /// <summary>Four hex digits that name this lab's namespaces and links.</summary>
    public string Id { get; }

    /// <summary>The test process's address on the lab network.</summary>
    public string BridgeAddress { get; }

    public IReadOnlyList<LabHost> Hosts => _hosts;

    /// <summary>Null when labs can be made here; otherwise why not (the facts that need one skip with it).</summary>
    public static string? UnavailableReason { get; } = Probe();

    public static NetworkLab Create()
    {
        if (UnavailableReason is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        RemoveAbandonedLabs();
        var used = Ip("-o -4 addr show").Output;
        for (var attempt = 0; ; attempt++)
        {
            var id = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4", CultureInfo.InvariantCulture);
            var subnet = $"10.213.{Random.Shared.Next(1, 254)}";
            if (used.Contains($" {subnet}.", StringComparison.Ordinal) && attempt < 20)
            {
                continue;
            }

            var lab = new NetworkLab(id, subnet);
            if (Ip($"link add {lab._bridge} type bridge").Code != 0)
            {
                // The name is another lab's (or a leftover): never touch it, take another id.
                if (attempt < 20)
                {
                    continue;
                }

                throw new InvalidOperationException($"Could not create a bridge for a network lab ({lab._bridge}).");
            }

            lab._bridgeCreated = true;
            try
            {
                Ip($"addr add {lab.BridgeAddress}/24 dev {lab._bridge}", check: true);
                Ip($"link set {lab._bridge} up", check: true);
                return lab;
            }
            catch
            {
                lab.Dispose();
                throw;
            }
        }
    }

    /// <summary>A new host: namespace, veth pair (eth0 inside, on the bridge outside), loopback up, an address of its own.</summary>
    public LabHost AddHost(string name)
    {
        var index = _hosts.Count + 1;
        var host = new LabHost(name, $"{Prefix}-{Id}-{Environment.ProcessId}-{index}", $"srl{Id}h{index}", $"{_subnet}.{10 + index}");
        Ip($"netns add {host.Namespace}", check: true);
        _hosts.Add(host);
        Ip($"link add {host.Link} type veth peer name eth0 netns {host.Namespace}", check: true);
        Ip($"link set {host.Link} master {_bridge} up", check: true);
        Ip($"-n {host.Namespace} addr add {host.Address}/24 dev eth0", check: true);
        Ip($"-n {host.Namespace} link set eth0 up", check: true);
        Ip($"-n {host.Namespace} link set lo up", check: true);
        return host;
    }

    /// <summary>Partitions the host: its link goes down (its processes keep running, cut off from everything).</summary>
    public static void Cut(LabHost host) => Ip($"link set {host.Link} down", check: true);

    /// <summary>Ends the partition.</summary>
    public static void Restore(LabHost host) => Ip($"link set {host.Link} up", check: true);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var host in _hosts)
        {
            KillProcessesIn(host.Namespace);
            Ip($"netns del {host.Namespace}");
        }

        if (_bridgeCreated)
        {
            Ip($"link del {_bridge}");
        }
    }

    private static void KillProcessesIn(string ns)
    {
        foreach (var pid in Ip($"netns pids {ns}").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or AggregateException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    /// <summary>Labs left by a test run that died: their namespaces name a process that no longer exists.</summary>
    private static void RemoveAbandonedLabs()
    {
        var namespaces = Ip("netns list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .Where(n => n.StartsWith(Prefix + "-", StringComparison.Ordinal))
            .ToArray();
        foreach (var ns in namespaces)
        {
            var parts = ns.Split('-');
            if (parts.Length == 4 && int.TryParse(parts[2], out var pid) && !IsRunning(pid))
            {
                KillProcessesIn(ns);
                Ip($"netns del {ns}");
                Ip($"link del srl{parts[1]}br");
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Network namespaces need Linux; the network fault suite is skipped.";
        }

        if (GetEuid() != 0)
        {
            return "The network fault suite makes network namespaces and veth links, which needs root; run ./test.sh as root to include it.";
        }

        var probe = $"{Prefix}-probe-{Environment.ProcessId}";
        try
        {
            var (code, _, error) = Ip($"netns add {probe}");
            if (code != 0)
            {
                return $"`ip netns add` failed here ({error.Trim()}); the network fault suite is skipped.";
            }

            Ip($"netns del {probe}");
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "The `ip` command (iproute2) is not installed; the network fault suite is skipped.";
        }
    }

    private static uint GetEuid()
    {
        try
        {
            var status = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return status is null ? uint.MaxValue : uint.Parse(status.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return uint.MaxValue;
        }
    }

    private static (int Code, string Output, string Error) Ip(string arguments, bool check = false)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`ip {arguments}` failed ({process.ExitCode}): {error.Trim()}");
        }

        return (process.ExitCode, output.Result, error);
    }
}

/// <summary>One host of a <see cref="NetworkLab"/>: its namespace, its link on the bridge and its address.</summary>
public sealed record LabHost(string Name, string Namespace, string Link, string Address);

/// <summary>A fact that needs a <see cref="NetworkLab"/> (root, iproute2) and Azurite; skipped, saying which is missing.</summary>
public sealed class NetworkLabFactAttribute : FactAttribute
{
    public NetworkLabFactAttribute()
    {
        if (NetworkLab.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
        else if (Azurite.Executable is null)
        {
            Skip = "Azurite is not installed in tools/azurite; ./test.sh installs it (npm ci --prefix tools/azurite).";
        }
    }
}
