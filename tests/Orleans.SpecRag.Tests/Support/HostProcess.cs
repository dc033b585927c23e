using System.Diagnostics;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// A silo or gateway as a real OS process (`dotnet Orleans.SpecRag.Silo.dll`), configured through environment
/// variables like a container, with its output kept in a log file for diagnosis.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private HostProcess(string name, Process process, StreamWriter log, string address, int httpPort, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        Name = name;
        Address = address;
        _process = process;
        _log = log;
        HttpPort = httpPort;
        _output = output;
    }

    /// <summary>What the process has printed so far (standard output and error), line by line.</summary>
    public IReadOnlyCollection<string> Output => _output;

    public string Name { get; }

    public int HttpPort { get; }

    /// <summary>Where the process listens: loopback, or its lab host's address.</summary>
    public string Address { get; }

    public string BaseUrl => $"http://{Address}:{HttpPort}";

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    private static int _started;

    public static string LogFolder { get; } = Path.Combine(AppContext.BaseDirectory, "process-logs");

    /// <summary>
    /// Starts <c>src/{project}/bin/{configuration}/net10.0/{assembly}.dll</c> listening on <c>http://127.0.0.1:{port}</c>;
    /// <c>{port}</c> in an environment value (say, <c>ASPNETCORE_URLS=http://0.0.0.0:{port}</c>) is that port.
    /// With a lab <paramref name="host"/> it runs inside that host's network namespace and listens on its address.
    /// </summary>
    public static HostProcess Start(string name, string project, string assembly, IReadOnlyDictionary<string, string> environment, LabHost? host = null)
    {
        var root = Repository.Root ?? throw new InvalidOperationException("The repository root was not found.");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var folder = Path.Combine(root, "src", project, "bin", configuration, "net10.0");
        var dll = Path.Combine(folder, assembly + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built; `dotnet test Orleans.SpecRag.sln` builds it.", dll);
        }

        // A lab host has the whole port space of its namespace to itself.
        var httpPort = host is null ? FreePort.Next() : 8080;
        var address = host?.Address ?? "127.0.0.1";
        var start = new ProcessStartInfo(host is null ? "dotnet" : "ip") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        if (host is not null)
        {
            // `ip netns exec` enters the namespace and then execs dotnet: the process id is the host's own.
            foreach (var argument in new[] { "netns", "exec", host.Namespace, "dotnet" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = $"http://{address}:{httpPort}";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Each process gets its own data directory (segment cache, local segments) unless the test shares one.
        start.Environment["SpecRag__DataPath"] = Path.Combine(Path.GetTempPath(), "specrag-tests", $"{name}-{Guid.NewGuid():N}");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value.Replace("{port}", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        Directory.CreateDirectory(LogFolder);
        // Unique per start: a node restarted on the same host and port within a second must not overwrite the log of the one that died.
        var log = new StreamWriter(Path.Combine(LogFolder, $"{name}-{DateTime.UtcNow:HHmmss}-{httpPort}-{Interlocked.Increment(ref _started)}.log")) { AutoFlush = true };
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Write(log, output, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new HostProcess(name, process, log, address, httpPort, output);
    }

    private static void Write(StreamWriter log, System.Collections.Concurrent.ConcurrentQueue<string> output, string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}; see {LogFolder}.");
            }

            try
            {
                if ((await http.GetAsync($"{BaseUrl}/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout}; see {LogFolder}.");
    }

    /// <summary>SIGKILL: the process dies at once, as when a node is lost.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: the host shuts down gracefully, as Kubernetes asks a pod to.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"Could not send SIGTERM to {Name}.");
        }
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(new CancellationTokenSource(timeout).Token);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
