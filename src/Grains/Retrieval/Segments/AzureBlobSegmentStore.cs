using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>
/// Segments and manifests in Azure Blob storage, for a cluster whose shards move between silos. A segment is a
/// set of blobs under <c>shards/{shard}/segments/{id}/</c>, <c>segment.json</c> uploaded last; a silo opens it
/// from a copy in its local cache directory, downloaded once. Records use blob ETags (If-Match, If-None-Match).
/// </summary>
public sealed class AzureBlobSegmentStore(BlobContainerClient container, string cacheDirectory) : ISegmentStore
{
    private readonly SemaphoreSlim _createContainer = new(1, 1);
    private bool _containerExists;
    private long _bytesWritten;

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public async Task<StoredRecord?> ReadRecordAsync(string path, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        try
        {
            var download = await container.GetBlobClient(RecordBlob(path)).DownloadContentAsync(cancellationToken);
            return new StoredRecord(download.Value.Content.ToArray(), download.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<string> WriteRecordAsync(string path, byte[] content, string? expectedETag, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        var conditions = expectedETag is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag(expectedETag) };
        try
        {
            var response = await container.GetBlobClient(RecordBlob(path))
                .UploadAsync(new BinaryData(content), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            Interlocked.Add(ref _bytesWritten, content.Length);
            return response.Value.ETag.ToString();
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            throw new ETagMismatchException(path);
        }
    }

    public async Task PutSegmentAsync(string shard, string segmentId, string builtDirectory, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        var prefix = SegmentPrefix(shard, segmentId);
        var files = Directory.EnumerateFiles(builtDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(builtDirectory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .OrderBy(f => f == SegmentFiles.Info ? 1 : 0) // the completion marker last
            .ToArray();
        foreach (var group in files.GroupBy(f => f == SegmentFiles.Info))
        {
            await Parallel.ForEachAsync(group, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (file, ct) =>
            {
                var local = Path.Combine(builtDirectory, file);
                await container.GetBlobClient(prefix + file).UploadAsync(local, overwrite: true, ct);
                Interlocked.Add(ref _bytesWritten, new FileInfo(local).Length);
            });
        }

        // The local copy becomes this silo's cache of the segment.
        var cached = CachePath(shard, segmentId);
        if (!Directory.Exists(cached))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
            Directory.Move(builtDirectory, cached);
        }
    }

    public async Task<string> OpenSegmentAsync(string shard, string segmentId, CancellationToken cancellationToken = default)
    {
        var cached = CachePath(shard, segmentId);
        if (File.Exists(Path.Combine(cached, SegmentFiles.Info)))
        {
            return cached;
        }

        await EnsureContainerAsync(cancellationToken);
        var staging = NewBuildDirectory();
        var prefix = SegmentPrefix(shard, segmentId);
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            blobs.Add(blob.Name);
        }

        if (!blobs.Contains(prefix + SegmentFiles.Info))
        {
            throw new FileNotFoundException($"Segment {segmentId} of shard {shard} is missing or incomplete in container {container.Name}.");
        }

        try
        {
            await Parallel.ForEachAsync(blobs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (name, ct) =>
            {
                var local = Path.Combine(staging, LocalSegmentStore.Safe(name[prefix.Length..]));
                Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                await container.GetBlobClient(name).DownloadToAsync(local, ct);
            });
        }
        catch
        {
            LocalSegmentStore.TryDelete(staging);
            throw;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        try
        {
            Directory.Move(staging, cached);
        }
        catch (IOException) when (File.Exists(Path.Combine(cached, SegmentFiles.Info)))
        {
            Directory.Delete(staging, recursive: true); // another activation fetched it first
        }

        return cached;
    }

    public async Task<IReadOnlyList<(string Id, DateTimeOffset StoredAt)>> ListSegmentsAsync(string shard, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        var prefix = $"shards/{shard}/segments/";
        var segments = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            var id = blob.Name[prefix.Length..].Split('/')[0];
            var stored = blob.Properties.CreatedOn ?? blob.Properties.LastModified ?? DateTimeOffset.UtcNow;
            segments[id] = segments.TryGetValue(id, out var seen) && seen < stored ? seen : stored;
        }

        return segments.Select(kv => (kv.Key, kv.Value)).ToArray();
    }

    public async Task DeleteSegmentAsync(string shard, string segmentId, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        var prefix = SegmentPrefix(shard, segmentId);
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
        }

        var cached = CachePath(shard, segmentId);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }
    }

    public string NewBuildDirectory() => Path.Combine(cacheDirectory, "staging", Guid.NewGuid().ToString("N"));

    private static string RecordBlob(string path) => $"records/{path}.json";

    private static string SegmentPrefix(string shard, string segmentId) => $"shards/{shard}/segments/{segmentId}/";

    private string CachePath(string shard, string segmentId) =>
        Path.Combine(cacheDirectory, container.Name, LocalSegmentStore.Safe(shard), LocalSegmentStore.Safe(segmentId));

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerExists)
        {
            return;
        }

        await _createContainer.WaitAsync(cancellationToken);
        try
        {
            if (!_containerExists)
            {
                await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                _containerExists = true;
            }
        }
        finally
        {
            _createContainer.Release();
        }
    }
}
