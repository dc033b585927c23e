using System.Diagnostics;
using System.Net.Sockets;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// The real Azure Storage emulator, installed repo-locally by ./test.sh (tools/azurite), started on free loopback
/// ports with its data in a temporary folder, so a cluster can be stopped and started again over the same data.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    // The emulator's well-known development account (public, documented by Microsoft).
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly string _folder;

    private Azurite(Process process, string folder, string host, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        _folder = folder;
        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://{host}:{blobPort}/devstoreaccount1;" +
            $"QueueEndpoint=http://{host}:{queuePort}/devstoreaccount1;" +
            $"TableEndpoint=http://{host}:{tablePort}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public static string? Executable
    {
        get
        {
            var root = Repository.Root;
            var path = root is null ? null : Path.Combine(root, "tools", "azurite", "node_modules", ".bin", "azurite");
            return path is not null && File.Exists(path) ? path : null;
        }
    }

    /// <summary>Starts the emulator listening on <paramref name="host"/> (loopback, or a lab's bridge address).</summary>
    public static async Task<Azurite> StartAsync(string host = "127.0.0.1")
    {
        var executable = Executable ?? throw new InvalidOperationException("Azurite is not installed (run ./test.sh, which installs it into tools/azurite).");
        var folder = Path.Combine(Path.GetTempPath(), $"specrag-azurite-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        int blob = FreePort.Next(), queue = FreePort.Next(), table = FreePort.Next();
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--blobHost", host, "--blobPort", blob.ToString(),
                "--queueHost", host, "--queuePort", queue.ToString(),
                "--tableHost", host, "--tablePort", table.ToString(),
                "--location", folder, "--skipApiVersionCheck", "--loose", "--silent",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var port in new[] { blob, queue, table })
        {
            while (true)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(host, port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    await Task.Delay(100);
                }
            }
        }

        return new Azurite(process, folder, host, blob, queue, table);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A fact that needs Azurite; skipped, saying how to install it, when tools/azurite is empty.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (Azurite.Executable is null)
        {
            Skip = "Azurite is not installed in tools/azurite; ./test.sh installs it (npm ci --prefix tools/azurite).";
        }
    }
}
