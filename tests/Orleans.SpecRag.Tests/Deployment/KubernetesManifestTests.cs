using System.Diagnostics;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Deployment;

/// <summary>
/// Renders deploy/k8s (base and every overlay) with kubectl kustomize and validates every object offline against
/// the Kubernetes schemas and the deployment's invariants (deploy/k8s/validate.mjs): GPU requests only on drafter
/// pods, Orleans environment and labels on every silo pod, the autoscaler on the drafter Deployment and
/// specrag_drafts_inflight, probes on real health endpoints.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static string K8s => Path.Combine(Repository.Root!, "deploy", "k8s");

    [KubernetesToolsFact]
    public async Task Every_overlay_renders_and_validates()
    {
        var (exit, output) = await RunValidatorAsync();

        Assert.True(exit == 0, output);
        Assert.Contains("ok   base:", output);
        Assert.Contains("ok   overlays/dev:", output);
        Assert.Contains("ok   overlays/gpu:", output);
        Assert.Contains("HorizontalPodAutoscaler", output);
    }

    [KubernetesToolsFact]
    public async Task The_validator_catches_a_silo_pod_without_its_orleans_labels_gpus_outside_the_drafter_pool_and_a_single_verifier()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"specrag-k8s-{Guid.NewGuid():N}");
        try
        {
            foreach (var file in Directory.EnumerateFiles(K8s, "*.yaml", SearchOption.AllDirectories).Where(f => !f.Contains("node_modules", StringComparison.Ordinal)))
            {
                var target = Path.Combine(copy, Path.GetRelativePath(K8s, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var drafter = Path.Combine(copy, "base", "silo-drafter.yaml");
            File.WriteAllLines(drafter, File.ReadAllLines(drafter).Where(line => !line.Contains("orleans/clusterId: ", StringComparison.Ordinal) || line.Contains("fieldPath", StringComparison.Ordinal)));
            var verifier = Path.Combine(copy, "base", "silo-verifier.yaml");
            File.WriteAllText(verifier, File.ReadAllText(verifier)
                .Replace("limits:\n", "limits:\n              nvidia.com/gpu: 1\n", StringComparison.Ordinal)
                .Replace("replicas: 2", "replicas: 1", StringComparison.Ordinal));

            var (exit, output) = await RunValidatorAsync(Path.Combine(copy, "base"));

            Assert.NotEqual(0, exit);
            Assert.Contains("orleans/clusterId", output);
            Assert.Contains("nvidia.com/gpu", output);
            Assert.Contains("at least 2 are needed so that losing one stops no query", output);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunValidatorAsync(params string[] directories)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = K8s, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("validate.mjs");
        foreach (var directory in directories)
        {
            start.ArgumentList.Add(directory);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>Needs node, kubectl and deploy/k8s/node_modules (./test.sh runs npm ci there); skipped with the reason otherwise.</summary>
public sealed class KubernetesToolsFactAttribute : FactAttribute
{
    public KubernetesToolsFactAttribute()
    {
        var missing = new List<string>();
        if (!OnPath("node"))
        {
            missing.Add("node");
        }

        if (!OnPath("kubectl"))
        {
            missing.Add("kubectl (kustomize renders the overlays)");
        }

        var root = Repository.Root;
        if (root is null || !Directory.Exists(Path.Combine(root, "deploy", "k8s", "node_modules")))
        {
            missing.Add("deploy/k8s/node_modules (npm ci --prefix deploy/k8s)");
        }

        if (missing.Count > 0)
        {
            Skip = $"Kubernetes manifest validation needs {string.Join(", ", missing)}.";
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, tool)));
}
