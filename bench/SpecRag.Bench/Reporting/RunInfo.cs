using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Orleans.SpecRag.Bench.Reporting;

/// <summary>The machine a run happened on. Benchmarks are only comparable on the same hardware, so every report carries it.</summary>
public sealed record MachineInfo(
    int Cores,
    string? CpuModel,
    double MemoryGiB,
    string Os,
    string Architecture,
    string Runtime,
    bool ServerGc,
    string BuildConfiguration);

/// <summary>When and from which code a report was produced.</summary>
public sealed record RunInfo(DateTimeOffset Date, string GitCommit, bool GitDirty, MachineInfo Machine, IReadOnlyList<string> CommandLine)
{
    public static RunInfo Capture(IReadOnlyList<string> commandLine)
    {
        var (commit, dirty) = Git();
        return new RunInfo(DateTimeOffset.UtcNow, commit, dirty, new MachineInfo(
            Environment.ProcessorCount,
            CpuModel(),
            Math.Round(MemoryBytes() / (1024.0 * 1024 * 1024), 1),
            RuntimeInformation.OSDescription,
            RuntimeInformation.OSArchitecture.ToString(),
            RuntimeInformation.FrameworkDescription,
            GCSettings.IsServerGC,
#if DEBUG
            "Debug"),
#else
            "Release"),
#endif
            commandLine);
    }

    private static string? CpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    // /proc/meminfo is the machine's memory; the GC's figure can be a container limit, which is used when it is all there is.
    private static long MemoryBytes()
    {
        try
        {
            var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb))
            {
                return kb * 1024;
            }
        }
        catch (IOException)
        {
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    private static (string Commit, bool Dirty) Git()
    {
        var root = RepoPaths.Root;
        if (root is null)
        {
            return ("unknown", false);
        }

        var commit = RunGit(root, "rev-parse HEAD") ?? "unknown";
        var status = RunGit(root, "status --porcelain --untracked-files=no");
        return (commit.Trim(), !string.IsNullOrWhiteSpace(status));
    }

    private static string? RunGit(string root, string arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git", $"-C \"{root}\" {arguments}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed
        }
    }
}

/// <summary>Where the repository and its sibling <c>../shared</c> folder are, found from the executable's folder upwards.</summary>
public static class RepoPaths
{
    public static string? Root { get; } = FindRoot();

    /// <summary><c>../shared/data</c> beside the repository, whether or not it exists.</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(Root ?? Directory.GetCurrentDirectory(), "..", "shared", "data"));

    private static string? FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Orleans.SpecRag.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
