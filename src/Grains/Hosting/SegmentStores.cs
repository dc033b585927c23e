using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Retrieval.Segments;

namespace Orleans.SpecRag.Hosting;

/// <summary>Where collections' segments live, chosen with the grain storage (<c>SpecRag:Storage</c>).</summary>
public static class SegmentStores
{
    /// <summary>
    /// The data directory: <c>SpecRag:DataPath</c>, by default <c>specrag/data</c> under the user's local
    /// application data (on Linux <c>~/.local/share/specrag/data</c>).
    /// </summary>
    public static string DataPath(IConfiguration configuration) =>
        configuration["SpecRag:DataPath"] is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "specrag", "data");

    /// <summary>
    /// <c>local</c>: segments and records under the data directory (they survive restarts). <c>memory</c>: a temporary directory
    /// shared by the silos of this process and cluster, deleted when the last of them stops. <c>azure</c>: Azure Blob
    /// storage, opened from a cache under the data directory.
    /// </summary>
    public static IServiceCollection AddSegmentStore(this IServiceCollection services, string storage, IConfiguration configuration, string? azureConnection)
    {
        switch (storage)
        {
            case "local":
                services.AddSingleton(_ => new LocalSegmentStore(DataPath(configuration)));
                services.AddSingleton<ISegmentStore>(sp => sp.GetRequiredService<LocalSegmentStore>());
                break;
            case "memory":
                services.AddSingleton(_ => TemporarySegmentStores.Acquire(TemporarySegmentStores.KeyFor(configuration)));
                services.AddSingleton<ISegmentStore>(sp => sp.GetRequiredService<TemporarySegmentStores.Lease>().Store);
                break;
            case "azure":
                var container = configuration["SpecRag:Storage:Container"] ?? "specrag";
                services.AddSingleton<ISegmentStore>(_ => new AzureBlobSegmentStore(
                    new BlobServiceClient(azureConnection).GetBlobContainerClient(container + "-segments"),
                    Path.Combine(DataPath(configuration), "segment-cache")));
                break;
        }

        return services;
    }
}

/// <summary>Temporary segment stores of <c>memory</c> storage, one per cluster in this process, deleted with their last silo.</summary>
public static class TemporarySegmentStores
{
    private static readonly Dictionary<string, (LocalSegmentStore Store, int Users)> Stores = new(StringComparer.Ordinal);

    public static string KeyFor(IConfiguration configuration) =>
        $"{configuration["Orleans:ServiceId"] ?? "specrag"}-{configuration["Orleans:ClusterId"] ?? "local"}";

    public static Lease Acquire(string key)
    {
        lock (Stores)
        {
            if (!Stores.TryGetValue(key, out var entry))
            {
                var directory = Path.Combine(Path.GetTempPath(), "specrag-memory", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
                entry = (new LocalSegmentStore(directory), 0);
            }

            Stores[key] = (entry.Store, entry.Users + 1);
            return new Lease(key, entry.Store);
        }
    }

    public sealed class Lease(string key, LocalSegmentStore store) : IDisposable
    {
        private int _disposed;

        public LocalSegmentStore Store { get; } = store;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            lock (Stores)
            {
                var entry = Stores[key];
                if (entry.Users > 1)
                {
                    Stores[key] = (entry.Store, entry.Users - 1);
                    return;
                }

                Stores.Remove(key);
            }

            LocalSegmentStore.TryDelete(Store.Root);
        }
    }
}
