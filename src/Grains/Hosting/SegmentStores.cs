using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Retrieval.Segments;

namespace Orleans.SpecRag.Hosting;

/// <summary>Where collections' segments live, chosen with the grain storage (<c>SpecRag:Storage</c>).</summary>
public static class SegmentStores
{
    /// <summary>
    /// <c>local</c>: segments and records under the data directory (they survive restarts). <c>memory</c>: a temporary directory
    /// shared by the silos of this process and cluster, deleted when the last of them stops. <c>azure</c>: Azure Blob
    /// storage, opened from a cache under the data directory.
    /// </summary>
    public static IServiceCollection AddSegmentStore(this IServiceCollection services, HostingSettings settings, string? azureConnection)
    {
        switch (settings.Storage)
        {
            case "local":
                services.AddSingleton(_ => new LocalSegmentStore(settings.DataDirectory));
                services.AddSingleton<ISegmentStore>(sp => sp.GetRequiredService<LocalSegmentStore>());
                break;
            case "memory":
                services.AddSingleton(_ => TemporarySegmentStores.Acquire($"{settings.ServiceId}-{settings.ClusterId}"));
                services.AddSingleton<ISegmentStore>(sp => sp.GetRequiredService<TemporarySegmentStores.Lease>().Store);
                break;
            case "azure":
                services.AddSingleton<ISegmentStore>(_ => new AzureBlobSegmentStore(
                    new BlobServiceClient(azureConnection).GetBlobContainerClient(settings.Container + "-segments"),
                    Path.Combine(settings.DataDirectory, "segment-cache")));
                break;
        }

        return services;
    }
}

/// <summary>Temporary segment stores of <c>memory</c> storage, one per cluster in this process, deleted with their last silo.</summary>
public static class TemporarySegmentStores
{
    private static readonly Dictionary<string, (LocalSegmentStore Store, int Users)> Stores = new(StringComparer.Ordinal);

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
