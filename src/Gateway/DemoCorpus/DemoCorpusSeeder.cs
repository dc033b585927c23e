using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orleans.SpecRag.Gateway.DemoCorpus;

/// <summary>Where the demo corpus comes from (configuration section <c>SpecRag:DemoCorpus</c>).</summary>
public sealed class DemoCorpusOptions
{
    public const string Section = "SpecRag:DemoCorpus";

    /// <summary>Index the project's own documentation at start-up, so a fresh install answers questions about itself.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Folder of Markdown files; relative paths are resolved against the application folder.</summary>
    public string Path { get; set; } = "docs";

    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", ErrorMessage = "SpecRag:DemoCorpus:Collection must be a collection name: 1 to 64 letters, digits, '-' or '_', starting with a letter or digit.")]
    public string Collection { get; set; } = QueryDefaults.Collection;
}

/// <summary>
/// Indexes <c>docs/*.md</c> (copied next to the gateway at build time) into collection <c>docs</c> once the
/// co-hosted silo is up. Ingestion is idempotent, so a restart re-indexes only what changed.
/// </summary>
public sealed partial class DemoCorpusSeeder(
    IGrainFactory grains,
    Apis.ClusterCalls cluster,
    Microsoft.Extensions.Options.IOptions<DemoCorpusOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<DemoCorpusSeeder> logger) : BackgroundService, IHealthCheck
{
    private volatile string _status = "waiting for the silo";
    private volatile bool _done;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            _status = "disabled";
            _done = true;
            return;
        }

        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        var folder = System.IO.Path.IsPathRooted(options.Value.Path)
            ? options.Value.Path
            : System.IO.Path.Combine(AppContext.BaseDirectory, options.Value.Path);
        var documents = LoadMarkdown(folder);
        if (documents.Count == 0)
        {
            logger.LogWarning("Demo corpus folder {Folder} has no Markdown files; collection {Collection} stays empty", folder, options.Value.Collection);
            _status = $"no Markdown files in {folder}";
            _done = true;
            return;
        }

        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                _status = "indexing";
                // Bounded and failed over like any ingestion, never the Orleans client's 5-minute response timeout.
                var result = await cluster.IngestAsync(() => grains.GetGrain<ICollectionGrain>(options.Value.Collection).UpsertAsync(documents), stoppingToken);
                logger.LogInformation("Demo corpus: {Documents} documents, {Passages} passages indexed into {Collection}",
                    documents.Count, result.Passages, options.Value.Collection);
                _status = $"{documents.Count} documents indexed";
                _done = true;
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && attempt < 10)
            {
                logger.LogWarning(ex, "Demo corpus indexing failed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), stoppingToken);
            }
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_done ? HealthCheckResult.Healthy($"demo corpus: {_status}") : HealthCheckResult.Unhealthy($"demo corpus: {_status}"));

    /// <summary>One document per Markdown file: id = file name, title = its first heading.</summary>
    public static IReadOnlyList<IngestDocument> LoadMarkdown(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder, "*.md")
            .Order(StringComparer.Ordinal)
            .Select(path =>
            {
                var text = File.ReadAllText(path);
                var title = FirstHeading().Match(text) is { Success: true } m ? m.Groups[1].Value.Trim() : System.IO.Path.GetFileNameWithoutExtension(path);
                return new IngestDocument(System.IO.Path.GetFileNameWithoutExtension(path), title, text, new Dictionary<string, string> { ["source"] = System.IO.Path.GetFileName(path) });
            })
            .Where(d => !string.IsNullOrWhiteSpace(d.Text))
            .ToArray();
    }

    [GeneratedRegex(@"^#\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex FirstHeading();
}
